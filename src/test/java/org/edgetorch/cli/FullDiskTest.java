package org.edgetorch.cli;

import org.edgetorch.CliRun;
import org.edgetorch.TestSupport;
import org.edgetorch.quant.QuantTestModels;
import org.edgetorch.util.AtomicFiles;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

import static org.junit.jupiter.api.Assertions.*;

/**
 * A disk that fills during the write, for every command that writes a model or tensors: LibTorch's own
 * archives (export, quantize, optimize: written through a pipe Java copies), ONNX, TFLite and preprocess's
 * batch. Each gets one line naming the file, exit 1, the old file at {@code --out} intact, no temporaries.
 * The disk is simulated ({@link AtomicFiles#simulateFullDiskAfter}); the corpus fills a real tmpfs.
 */
class FullDiskTest {
    @TempDir
    static Path models;
    static Path fp32;
    @TempDir
    Path out;

    @BeforeAll
    static void model() {
        TestSupport.libtorch();
        fp32 = models.resolve("small_fp32.pt");
        QuantTestModels.smallCnn(fp32, 7);
    }

    /** Runs with a disk that is full after {@code bytes} bytes of the file; the target holds "old" before. */
    private void assertFullDisk(Path target, long bytes, String... args) throws IOException {
        Files.writeString(target, "old");
        CliRun r;
        try (var full = AtomicFiles.simulateFullDiskAfter(bytes)) {
            r = CliRun.of(args);
        }
        assertError(r, "edgetorch: cannot write " + target + ": No space left on device");
        assertEquals("old", Files.readString(target), "the existing file is intact");
        assertEquals(List.of(target.getFileName().toString()), names(target.getParent()), "nothing left behind");
    }

    @Test
    void exportOfTheBuiltInModel() throws IOException {
        Path target = out.resolve("m.pt");
        assertFullDisk(target, 1_000_000, "export", "--out", target.toString());
    }

    @Test
    void quantizeToTorchScript() throws IOException {
        Path target = out.resolve("q.pt");
        assertFullDisk(target, 1000, "quantize", "--mode", "dynamic", "--in", fp32.toString(), "--out", target.toString(),
                "--eval-count", "0");
    }

    @Test
    void optimizeToLiteInterpreter() throws IOException {
        Path target = out.resolve("m.ptl");
        assertFullDisk(target, 1000, "optimize", "--in", fp32.toString(), "--out", target.toString(),
                "--runs", "0", "--load-runs", "0");
    }

    @Test
    void exportToOnnxAndTflite() throws IOException {
        Path onnx = out.resolve("m.onnx");
        assertFullDisk(onnx, 1000, "export", "--format", "onnx", "--in", fp32.toString(), "--input-shape", "1,3,32,32",
                "--out", onnx.toString());
        Files.delete(onnx);
        Path tflite = out.resolve("m.tflite");
        assertFullDisk(tflite, 1000, "export", "--format", "tflite", "--in", fp32.toString(), "--input-shape", "1,3,32,32",
                "--out", tflite.toString());
    }

    @Test
    void preprocessBatch() throws IOException {
        Path old = out.resolve("orange.f32");
        Files.writeString(old, "old");
        CliRun r;
        try (var full = AtomicFiles.simulateFullDiskAfter(1000)) {
            r = CliRun.of("preprocess", "--out", out.toString(), "images/orange.jpg", "images/apple.jpg");
        }
        assertError(r, "edgetorch: cannot write " + out.resolve("orange.f32") + ": No space left on device");
        assertEquals("old", Files.readString(old));
        assertEquals(List.of("orange.f32"), names(out));
    }

    /** Exit 1 and one error line (export's note on untrained weights may come before it); no stack trace. */
    static void assertError(CliRun r, String line) {
        assertEquals(1, r.code(), r.out() + r.err());
        List<String> errors = r.err().lines().filter(l -> !l.startsWith("note: ")).toList();
        assertEquals(List.of(line), errors, r.err());
    }

    static List<String> names(Path d) throws IOException {
        try (var s = Files.list(d)) {
            return s.map(p -> p.getFileName().toString()).sorted().toList();
        }
    }
}
