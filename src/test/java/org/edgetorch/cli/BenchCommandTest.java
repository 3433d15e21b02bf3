package org.edgetorch.cli;

import com.google.gson.JsonObject;
import org.bytedeco.pytorch.JitModule;
import org.bytedeco.pytorch.QualifiedName;
import org.bytedeco.pytorch.global.torch;
import org.edgetorch.backend.Backends;
import org.edgetorch.util.Json;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import java.util.zip.ZipEntry;
import java.util.zip.ZipOutputStream;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** {@code edgetorch bench} end to end on tiny TorchScript modules the test writes. */
class BenchCommandTest {
    /** Small and quick: nothing here measures speed. */
    private static final String[] QUICK = {"--warmup", "1", "--warmup-time", "0", "--runs", "3", "--min-time", "0", "--quiet",
            "--resources", "off"};

    @TempDir
    static Path dir;
    static Path pooled;
    static Path doubled;
    static Path matrix;

    @BeforeAll
    static void writeModels() {
        Backends.get();  // LibTorch through the backend first (see the brief)
        pooled = save("pooled.pt", "def forward(self, x):\n    return torch.relu(x).mean([2, 3])\n", false);
        doubled = save("doubled.pt", "def forward(self, x):\n    return x * 2.0\n", false);
        // Needs a [N, 4] input: the dummy [1, 3, 224, 224] is the wrong shape for it.
        matrix = save("matrix.pt", "def forward(self, x):\n    return torch.mm(x, self.w)\n", true);
    }

    private static Path save(String name, String source, boolean weight) {
        JitModule m = new JitModule(new QualifiedName(name.replace(".pt", "")));
        if (weight) m.register_parameter("w", torch.ones(4, 2), false);
        m.define(source);
        Path file = dir.resolve(name);
        m.save(file.toString());
        return file;
    }

    private record Run(int code, String out, String err) {
    }

    private static Run bench(String... args) {
        PrintStream oldOut = System.out;
        PrintStream oldErr = System.err;
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        ByteArrayOutputStream err = new ByteArrayOutputStream();
        try {
            System.setOut(new PrintStream(out, true, StandardCharsets.UTF_8));
            System.setErr(new PrintStream(err, true, StandardCharsets.UTF_8));
            String[] all = new String[args.length + 1];
            all[0] = "bench";
            System.arraycopy(args, 0, all, 1, args.length);
            int code = Main.execute(all);
            return new Run(code, out.toString(StandardCharsets.UTF_8), err.toString(StandardCharsets.UTF_8));
        } finally {
            System.setOut(oldOut);
            System.setErr(oldErr);
        }
    }

    private static String[] with(String... args) {
        String[] all = Arrays.copyOf(args, args.length + QUICK.length);
        System.arraycopy(QUICK, 0, all, args.length, QUICK.length);
        return all;
    }

    @Test
    void tableForTwoModels() {
        Run r = bench(with("--model", pooled.toString(), "--model", doubled.toString()));
        assertEquals(0, r.code(), r.err());
        List<String> lines = r.out().lines().toList();
        assertTrue(lines.get(0).contains("2 models interleaved"), r.out());
        assertTrue(lines.get(1).startsWith("model"), r.out());
        assertTrue(lines.get(2).startsWith("pooled.pt") && lines.get(2).contains("1.00x"), r.out());
        assertTrue(lines.get(3).startsWith("doubled.pt"), r.out());
        assertTrue(r.out().contains("harness overhead"), r.out());
    }

    @Test
    void jsonReportParsesBack() {
        Run r = bench(with("--model", pooled.toString(), "--json", "--seed", "7"));
        assertEquals(0, r.code(), r.err());
        JsonObject j = Json.parse(r.out()).getAsJsonObject();
        assertEquals("edgetorch.bench/2", j.get("schema").getAsString());
        assertEquals("bytedeco", j.getAsJsonObject("environment").get("backend").getAsString());
        assertEquals(1, j.getAsJsonObject("settings").get("threads").getAsInt());
        assertEquals("seed 7", j.getAsJsonObject("input").get("description").getAsString());
        JsonObject t = j.getAsJsonArray("targets").get(0).getAsJsonObject();
        assertEquals("pooled.pt", t.get("name").getAsString());
        assertEquals("torchscript", t.get("kind").getAsString());
        assertEquals(3, t.get("runs").getAsInt());
        assertTrue(t.get("load_ms").getAsDouble() > 0);
        assertTrue(t.get("first_inference_ms").getAsDouble() > 0);
        assertTrue(t.get("timed_call").getAsString().startsWith("JitModule.forward"));
        // relu(x).mean over a standard-normal input is positive: the outputs reached the sink.
        assertTrue(t.get("sink").getAsDouble() > 0);
    }

    @Test
    void resourcesOfEachModelInItsOwnChildProcess() {
        // 64 MiB of weights against none: if both were measured in one process, the figures would mix
        Path big = dir.resolve("big.pt");
        JitModule m = new JitModule(new QualifiedName("big"));
        m.register_parameter("w", torch.ones(16L << 20), false);
        m.define("def forward(self, x):\n    return x * self.w[0]\n");
        m.save(big.toString());
        Run r = bench("--model", doubled.toString(), "--model", big.toString(), "--shape", "1,8", "--warmup", "1",
                "--warmup-time", "0", "--runs", "5", "--min-time", "0", "--json");
        assertEquals(0, r.code(), r.err());
        assertTrue(r.err().contains("bench: memory, CPU and energy of big.pt in a child process (2/2)"), r.err());
        JsonObject j = Json.parse(r.out()).getAsJsonObject();
        JsonObject small = j.getAsJsonArray("targets").get(0).getAsJsonObject().getAsJsonObject("resources");
        JsonObject large = j.getAsJsonArray("targets").get(1).getAsJsonObject().getAsJsonObject("resources");
        for (JsonObject res : List.of(small, large)) {
            assertFalse(res.has("error"), res.toString());
            assertEquals("child process", res.get("measured_in").getAsString());
            assertEquals(5, res.get("runs").getAsInt());
            long before = res.get("rss_before_load_bytes").getAsLong();
            long after = res.get("rss_after_load_bytes").getAsLong();
            assertTrue(before > 0 && after >= before && res.get("peak_rss_bytes").getAsLong() >= after, res.toString());
            assertTrue(res.get("cpu_ms_per_inference").getAsDouble() > 0, res.toString());
            assertTrue(res.get("cpu_utilization").getAsDouble() > 0, res.toString());
            JsonObject e = res.getAsJsonObject("energy");
            assertTrue(e.has("net_joules_per_inference") || e.get("unavailable").getAsString().startsWith("no energy meter"), e.toString());
        }
        long grew = large.get("rss_after_load_bytes").getAsLong() - large.get("rss_before_load_bytes").getAsLong();
        long grewSmall = small.get("rss_after_load_bytes").getAsLong() - small.get("rss_before_load_bytes").getAsLong();
        assertTrue(grew >= (60L << 20), "loading 64 MiB of weights: +" + grew + " bytes");
        // the small model's figures do not include the big one's 64 MiB (JIT and GC move RSS by some MiB either way)
        assertTrue(grewSmall < (32L << 20), "the small model's load: +" + grewSmall + " bytes (big: +" + grew + ")");
        assertTrue(large.get("peak_rss_bytes").getAsLong() - small.get("peak_rss_bytes").getAsLong() >= (48L << 20), j.toString());
    }

    @Test
    void servingVariantComputesWhatTheFileComputes() throws Exception {
        Path cnn = dir.resolve("small_fp32.pt");
        java.lang.reflect.Method make = Class.forName("org.edgetorch.quant.QuantTestModels").getDeclaredMethod("smallCnn", Path.class, long.class);
        make.setAccessible(true);
        make.invoke(null, cnn, 7L);
        Run r = bench(with("--model", cnn.toString(), "--model", "serving:" + cnn, "--json"));
        if (org.edgetorch.bench.ServingModel.unsupportedReason() != null) {
            // this machine cannot run it (e.g. a VM hiding its caches): one clear line instead of a native abort
            assertEquals(1, r.code(), r.err());
            assertTrue(r.err().startsWith("edgetorch: serving: this AMD CPU") && r.err().contains("(SIGFPE)"), r.err());
            return;
        }
        assertEquals(0, r.code(), r.err());
        JsonObject j = Json.parse(r.out()).getAsJsonObject();
        JsonObject plain = j.getAsJsonArray("targets").get(0).getAsJsonObject();
        JsonObject serving = j.getAsJsonArray("targets").get(1).getAsJsonObject();
        assertEquals("serving:small_fp32.pt", serving.get("name").getAsString());
        assertEquals("torchscript-serving", serving.get("kind").getAsString());
        assertTrue(serving.get("timed_call").getAsString().contains("optimize_for_inference"));
        // same number of calls on the same input: the sums of all outputs agree (BatchNorm folded: rounding only)
        double a = plain.get("sink").getAsDouble(), b = serving.get("sink").getAsDouble();
        assertEquals(a, b, 1e-4 * Math.max(1, Math.abs(a)), "plain " + a + " vs serving " + b);
    }

    @Test
    void csvAndOutFile() throws IOException {
        Path csv = dir.resolve("out/report.csv");
        Run r = bench(with("--model", doubled.toString(), "--csv", "--out", csv.toString(), "--shape", "1,8"));
        assertEquals(0, r.code(), r.err());
        List<String> lines = r.out().lines().toList();
        assertEquals(2, lines.size(), r.out());
        assertTrue(lines.get(0).startsWith("schema,name,kind,"));
        assertTrue(lines.get(1).startsWith("edgetorch.bench/2,doubled.pt,torchscript,"));
        assertTrue(lines.get(1).contains(",1x8,"), lines.get(1));
        assertEquals(r.out(), Files.readString(csv));
    }

    @Test
    void theSameModelTwiceGetsDistinctNames() {
        Run r = bench(with("--model", doubled.toString(), "--model", doubled.toString()));
        assertEquals(0, r.code(), r.err());
        assertTrue(r.out().contains("doubled.pt#2"), r.out());
    }

    private static void assertFails(Run r, String... fragments) {
        assertEquals(1, r.code(), "exit code; stderr: " + r.err());
        assertTrue(r.err().startsWith("edgetorch: "), r.err());
        for (String f : fragments) assertTrue(r.err().contains(f), "stderr lacks '" + f + "': " + r.err());
        assertTrue(r.out().isEmpty(), r.out());
        assertEquals(1, r.err().lines().count(), "one line: " + r.err());
    }

    @Test
    void missingModel() {
        assertFails(bench(with("--model", dir.resolve("nope.pt").toString())), "nope.pt", "no such file");
    }

    @Test
    void truncatedModel() throws IOException {
        byte[] all = Files.readAllBytes(pooled);
        Path cut = dir.resolve("truncated.pt");
        Files.write(cut, Arrays.copyOf(all, all.length / 2));
        assertFails(bench(with("--model", cut.toString())), "truncated.pt", "not a TorchScript archive");
    }

    @Test
    void corruptModel() throws IOException {
        Path junk = dir.resolve("junk.pt");
        Files.writeString(junk, "this is not a model\n");
        assertFails(bench(with("--model", junk.toString())), "junk.pt", "not a TorchScript archive");
    }

    @Test
    void zipThatIsNotTorchScript() throws IOException {
        Path zip = dir.resolve("notes.pt");
        try (OutputStream o = Files.newOutputStream(zip); ZipOutputStream z = new ZipOutputStream(o)) {
            z.putNextEntry(new ZipEntry("notes/readme.txt"));
            z.write("hello".getBytes(StandardCharsets.UTF_8));
            z.closeEntry();
        }
        assertFails(bench(with("--model", zip.toString())), "notes.pt", "not a TorchScript archive");
    }

    @Test
    void wrongInputShapeForTheModel() {
        assertFails(bench(with("--model", matrix.toString())), "matrix.pt", "forward failed", "self must be a matrix");
        // The right shape works: [2, 4] x [4, 2].
        Run ok = bench(with("--model", matrix.toString(), "--shape", "2,4"));
        assertEquals(0, ok.code(), ok.err());
    }

    @Test
    void eagerAgainstTorchScriptOnARealImage() {
        Run r = bench("--model", "eager", "--model", doubled.toString(), "--input", "images/squirrel_cls.jpg",
                "--warmup", "0", "--warmup-time", "0", "--runs", "2", "--min-time", "0", "--quiet", "--json");
        assertEquals(0, r.code(), r.err());
        JsonObject j = Json.parse(r.out()).getAsJsonObject();
        assertEquals("image", j.getAsJsonObject("input").get("kind").getAsString());
        assertEquals(224, j.getAsJsonObject("input").getAsJsonArray("shape").get(3).getAsInt());
        JsonObject eager = j.getAsJsonArray("targets").get(0).getAsJsonObject();
        assertEquals("eager", eager.get("name").getAsString());
        assertEquals("eager", eager.get("kind").getAsString());
        assertEquals(2, eager.get("runs").getAsInt());
        assertTrue(eager.get("source").getAsString().contains("mobilenet_v2"), eager.get("source").getAsString());
        assertTrue(r.err().contains("untrained"), "the untrained-weights note: " + r.err());
    }

    @Test
    void eagerRejectsAnInputItCannotTake() {
        Run r = bench(with("--model", "eager", "--shape", "1,4"));
        assertEquals(1, r.code(), r.err());
        assertTrue(r.err().contains("edgetorch: input must be [N, 3, H, W]"), r.err());
        assertFails(bench(with("--model", "eager:nonet")), "unknown architecture 'nonet'");
    }

    @Test
    void imageThatIsNotAnImage() throws IOException {
        Path fake = dir.resolve("fake.jpg");
        Files.writeString(fake, "not a picture");
        assertFails(bench(with("--model", doubled.toString(), "--input", fake.toString())), "fake.jpg");
    }

    @Test
    void badOptions() {
        assertFails(bench("--model", doubled.toString(), "--runs", "0", "--min-time", "0"), "nothing to measure");
        Run zero = bench(with("--model", doubled.toString(), "--threads", "0"));
        assertEquals(2, zero.code(), "a usage error: " + zero.err());
        assertTrue(zero.err().startsWith("edgetorch: Invalid value for option '--threads': 0: at least 1 thread"), zero.err());
        assertEquals(1, zero.err().lines().count(), zero.err());
        assertFails(bench("--model", doubled.toString(), "--warmup", "-1", "--quiet"), "--warmup");
        assertFails(bench(with("--model", doubled.toString(), "--shape", "1,x")), "--shape");
        assertFails(bench(with("--model", doubled.toString(), "--input", dir.resolve("none.jpg").toString())), "none.jpg", "no such file");
        assertEquals(2, bench("--model", doubled.toString(), "--json", "--csv").code(), "--json and --csv exclude each other");
        assertEquals(2, bench("--runs", "3").code(), "--model is required");
    }
}
