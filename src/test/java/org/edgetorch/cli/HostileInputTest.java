package org.edgetorch.cli;

import org.bytedeco.pytorch.CompilationUnit;
import org.bytedeco.pytorch.JitModule;
import org.bytedeco.pytorch.QualifiedName;
import org.edgetorch.CliRun;
import org.edgetorch.crosscheck.CrossComparisonTest;
import org.edgetorch.tensor.FloatTensor;
import org.edgetorch.tensor.Tensors;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.io.RandomAccessFile;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Arrays;

import static org.junit.jupiter.api.Assertions.*;

/**
 * Hostile files and options through the CLI: one line naming the problem and the file or option, the
 * right exit code, no stack trace, no hang.
 */
class HostileInputTest {
    @TempDir
    Path dir;

    static CliRun run(String... args) {
        return CliRun.of(args);
    }

    /** One line, starting "edgetorch: ", holding every fragment; no stack trace. */
    static void assertOneLine(CliRun r, int code, String... fragments) {
        assertEquals(code, r.code(), r.out() + r.err());
        String err = r.err().strip();
        assertFalse(err.contains("\tat ") || err.contains("Exception"), err);
        assertEquals(1, err.lines().count(), "one line: " + err);
        assertTrue(err.startsWith("edgetorch: "), err);
        for (String f : fragments) assertTrue(err.contains(f), "'" + f + "' in: " + err);
    }

    @Test
    void nanAndInfiniteNumbersAreRefusedByOption() {
        assertOneLine(run("compare", "--max-abs-diff", "NaN", "a.json", "b.json"), 2, "--max-abs-diff", "'NaN' is not a finite number");
        assertOneLine(run("compare", "--min-cosine", "nan", "a.json", "b.json"), 2, "--min-cosine", "'nan'");
        assertOneLine(run("verify", "--tolerance", "NaN", "--model", "m.pt", "--reference", "r.json"), 2, "--tolerance", "NaN");
        assertOneLine(run("optimize", "--tolerance", "Infinity", "--in", "m.pt", "--out", "m.ptl"), 2, "--tolerance", "Infinity");
    }

    @Test
    void absurdThreadCountsAreRefusedWithTheLimit() {
        int max = OptionConverters.maxThreads();
        assertOneLine(run("predict", "--threads", "100000", "x.jpg"), 2, "--threads", "100000 threads is more than " + max);
        assertOneLine(run("study", "--threads", "1,100000"), 2, "--threads", "100000");
        assertOneLine(run("info", "--threads", "0"), 2, "--threads", "at least 1");
    }

    @Test
    void unknownBackendIsAPlainMessage() {
        CliRun r = run("--backend", "cuda", "info");
        assertOneLine(r, 2, "--backend", "unknown backend 'cuda'");
        assertFalse(r.err().contains("Could not invoke"), r.err());
    }

    @Test
    void aFifoAsModelOrWeightsIsRefusedByNameWithoutHanging() throws Exception {
        Path fifo = dir.resolve("model.pt");
        assertEquals(0, new ProcessBuilder("mkfifo", fifo.toString()).start().waitFor());
        assertTimeoutPreemptively(Duration.ofSeconds(60), () -> {
            assertOneLine(run("predict", "--model", fifo.toString(), "images/orange.jpg"), 1,
                    fifo + ": is a FIFO (named pipe), not a regular file");
            assertOneLine(run("export", "--weights", fifo.toString(), "--out", dir.resolve("m.pt").toString()), 1,
                    fifo + ": is a FIFO (named pipe), not a regular file");
        });
        assertFalse(Files.exists(dir.resolve("m.pt")));
    }

    /** A folder, /dev/stdin or a zip named .onnx as --model: refused by what it is, naming the whole path. */
    @Test
    void aModelThatIsNotARegularFileOrNotItsFormatIsNamedByPath() throws IOException {
        Path folder = Files.createDirectory(dir.resolve("models.pt"));
        assertOneLine(run("predict", "--model", folder.toString(), "images/orange.jpg"), 1,
                folder + ": is a directory, not a regular file; expected a model file");
        assertOneLine(run("predict", "--model", "/dev/stdin", "images/orange.jpg"), 1, "/dev/stdin: is ", ", not a regular file");
        Path zip = dir.resolve("m.onnx");
        try (var z = new java.util.zip.ZipOutputStream(Files.newOutputStream(zip))) {
            z.putNextEntry(new java.util.zip.ZipEntry("m/data.pkl"));
        }
        assertOneLine(run("predict", "--model", zip.toString(), "images/orange.jpg"), 1, zip + ": named .onnx but it is a zip archive");
    }

    @Test
    void aDeviceAsOutputIsRefusedBeforeAnyWork() {
        assertOneLine(run("export", "--out", "/dev/null"), 1, "/dev/null: exists and is a character device, not a regular file");
        assertTrue(Files.isRegularFile(Path.of("/dev/null")) == false);
    }

    @Test
    void ioFilesNestedTooDeeplyOrTooLargeAreRefusedBeforeParsing() throws IOException {
        Path ok = dir.resolve("ok.json");
        CrossComparisonTest.x86().write(ok);
        Path deep = dir.resolve("deep.json");
        Files.writeString(deep, "[".repeat(200_000) + "]".repeat(200_000));
        assertOneLine(run("compare", ok.toString(), deep.toString()), 1, deep + ": JSON nested 65+ levels deep");
        Path sparse = dir.resolve("sparse.json");
        try (RandomAccessFile f = new RandomAccessFile(sparse.toFile(), "rw")) {
            f.setLength(3L << 30); // 3 GB of nothing, a few blocks on disk
        }
        assertOneLine(run("compare", sparse.toString(), ok.toString()), 1, sparse + ": 3221225472 bytes is larger than");
        Path empty = dir.resolve("empty.json");
        Files.writeString(empty, "");
        assertOneLine(run("compare", ok.toString(), empty.toString()), 1, empty + ": empty file");
    }

    @Test
    void compareFailsWhenAVariantIsOnOneSideOnly() {
        Path a = dir.resolve("a.json"), b = dir.resolve("b.json");
        CrossComparisonTest.x86().write(a);
        var arm = CrossComparisonTest.arm(1e-5, 0.05, true);
        new org.edgetorch.crosscheck.IoFile(arm.schema(), arm.created(), arm.command(), arm.machine(), arm.preprocessing(),
                arm.inputs(), arm.variants().subList(0, 1)).write(b);
        assertOneLine(run("compare", a.toString(), b.toString()), 1, "only in the reference file");
    }

    @Test
    void nanWeightsFailPredictInsteadOfPrintingNaNPercent() {
        float[] w = new float[3 * 1000];
        Arrays.fill(w, Float.NaN);
        JitModule m = new JitModule(new QualifiedName("__torch__.edgetorch_test.NanPool"), new CompilationUnit(), true);
        m.register_parameter("w", Tensors.toTorch(new FloatTensor(new long[]{3, 1000}, w)), false);
        m.define("def forward(self, x: Tensor) -> Tensor:\n    return torch.matmul(torch.mean(x, [2, 3]), self.w)\n");
        Path pt = dir.resolve("nan.pt");
        m.save(pt.toString());
        CliRun r = run("predict", "--model", pt.toString(), "images/orange.jpg");
        assertOneLine(r, 1, pt.toString(), "orange.jpg holds NaN");
        assertFalse(r.out().contains("NaN%"), r.out());
    }
}
