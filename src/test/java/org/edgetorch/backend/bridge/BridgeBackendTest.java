package org.edgetorch.backend.bridge;

import com.google.gson.JsonArray;
import com.google.gson.JsonElement;
import com.google.gson.JsonObject;
import org.bytedeco.pytorch.CompilationUnit;
import org.bytedeco.pytorch.JitModule;
import org.bytedeco.pytorch.QualifiedName;
import org.edgetorch.backend.Backends;
import org.edgetorch.tensor.FloatTensor;
import org.edgetorch.tensor.Tensors;
import org.edgetorch.util.Json;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.zip.ZipEntry;
import java.util.zip.ZipOutputStream;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

/**
 * The bridge over the system's LibTorch (Debian's libtorch-dev, 1.13 here), built by {@link SystemBridge}
 * and exercised in a child JVM ({@link BridgeProbe}, and the CLI): loading .pt and .ptl, forward against
 * values computed here, the C++ benchmark loop, and every error path — each a clean message, never a
 * crash. Skipped where the system has no LibTorch headers.
 */
class BridgeBackendTest {
    static final int IN = 12;
    static final int OUT = 5;
    @TempDir
    static Path dir;
    static Path library;
    static float[] weights;
    static float[] bias;

    @BeforeAll
    static void buildBridgeAndModels() throws IOException {
        var lib = SystemBridge.library();
        assumeTrue(lib.isPresent(), "no system LibTorch with headers (libtorch-dev): bridge tests skipped");
        library = lib.get();
        Backends.get(); // the test JVM's LibTorch (Bytedeco) writes the models
        weights = new float[IN * OUT];
        for (int i = 0; i < weights.length; i++) weights[i] = ((i * 37) % 11 - 5) / 8f;
        bias = new float[]{0.5f, -1f, 0f, 2f, 0.125f};
        CompilationUnit cu = new CompilationUnit();
        JitModule tiny = new JitModule(new QualifiedName("__torch__.edgetorch_test.Tiny"), cu, true);
        tiny.register_parameter("w", Tensors.toTorch(new FloatTensor(new long[]{IN, OUT}, weights)), false);
        tiny.register_parameter("b", Tensors.toTorch(new FloatTensor(new long[]{OUT}, bias)), false);
        tiny.define("def forward(self, x: Tensor) -> Tensor:\n    return torch.matmul(torch.flatten(x, 1), self.w) + self.b\n");
        tiny.save(dir.resolve("tiny.pt").toString());
        tiny._save_for_mobile(dir.resolve("tiny.ptl").toString());
        JitModule tuple = new JitModule(new QualifiedName("__torch__.edgetorch_test.Pair"), cu, true);
        tuple.define("def forward(self, x: Tensor) -> Tuple[Tensor, Tensor]:\n    return (x, x)\n");
        tuple.save(dir.resolve("tuple.pt").toString());
        try (ZipOutputStream z = new ZipOutputStream(Files.newOutputStream(dir.resolve("garbage.pt")))) {
            put(z, "garbage/data.pkl", new byte[]{(byte) 0x80, 2, 'q', 'z', 'z', 1, 2, 3});
            put(z, "garbage/code/__torch__/m.py", "class Nope(:\n".getBytes(StandardCharsets.UTF_8));
            put(z, "garbage/version", "3\n".getBytes(StandardCharsets.US_ASCII));
        }
        byte[] whole = Files.readAllBytes(dir.resolve("tiny.pt"));
        Files.write(dir.resolve("truncated.pt"), java.util.Arrays.copyOf(whole, whole.length / 2));
    }

    private static void put(ZipOutputStream z, String name, byte[] data) throws IOException {
        z.putNextEntry(new ZipEntry(name));
        OutputStream o = z;
        o.write(data);
        z.closeEntry();
    }

    static float[] expected() {
        FloatTensor x = BridgeProbe.input();
        float[] y = new float[2 * OUT];
        for (int n = 0; n < 2; n++) {
            for (int o = 0; o < OUT; o++) {
                double s = bias[o];
                for (int i = 0; i < IN; i++) s += x.data()[n * IN + i] * weights[i * OUT + o];
                y[n * OUT + o] = (float) s;
            }
        }
        return y;
    }

    record Child(int exit, String stdout, String stderr) {
    }

    static Child child(String mainClass, String... args) throws IOException, InterruptedException {
        List<String> cmd = new ArrayList<>();
        cmd.add(Path.of(System.getProperty("java.home"), "bin", "java").toString());
        cmd.add("-D" + BridgeLibrary.PROPERTY + "=" + library);
        cmd.add("-cp");
        cmd.add(System.getProperty("java.class.path"));
        cmd.add(mainClass);
        cmd.addAll(List.of(args));
        Path outFile = Files.createTempFile(dir, "out", ".txt");
        Path errFile = Files.createTempFile(dir, "err", ".txt");
        Process p = new ProcessBuilder(cmd).redirectOutput(outFile.toFile()).redirectError(errFile.toFile()).start();
        if (!p.waitFor(120, TimeUnit.SECONDS)) {
            p.destroyForcibly();
            throw new AssertionError("child JVM timed out: " + cmd);
        }
        return new Child(p.exitValue(), Files.readString(outFile), Files.readString(errFile));
    }

    static void assertClose(float[] want, JsonArray got) {
        assertEquals(want.length, got.size());
        for (int i = 0; i < want.length; i++) assertEquals(want[i], got.get(i).getAsFloat(), 1e-4, "element " + i);
    }

    @Test
    void probeRunsModelsAndTurnsEveryFailureIntoAMessage() throws Exception {
        Child c = child(BridgeProbe.class.getName(), dir.toString());
        assertEquals(0, c.exit(), "probe failed:\n" + c.stdout() + c.stderr());
        Files.writeString(library.resolveSibling("probe.json"), c.stdout()); // for whoever debugs this test
        JsonObject r = Json.parse(c.stdout()).getAsJsonObject();
        assertEquals("bridge", r.get("backend").getAsString());
        assertTrue(r.get("libtorch").getAsString().matches("\\d+\\.\\d+.*"), r.toString());
        assertEquals(2, r.get("threads").getAsInt());
        assertTrue(r.get("threads_zero").getAsString().startsWith("error: --threads must be at least 1"), r.toString());
        String fbgemm = r.get("engine_fbgemm").getAsString();
        assertTrue(fbgemm.contains("'fbgemm' is not in this LibTorch") && fbgemm.contains("x86-64 engines"), fbgemm);
        assertEquals(r.get("engines").getAsJsonArray().get(0).getAsString(), r.get("engine_first").getAsString());

        float[] want = expected();
        assertClose(want, r.get("tiny_pt").getAsJsonArray());
        JsonObject channelsLast = r.get("tiny_pt_channels_last").getAsJsonObject();
        assertEquals("nhwc", channelsLast.get("layout").getAsString(), "the bridge lays the input out channels-last");
        assertClose(want, channelsLast.get("data").getAsJsonArray());
        assertClose(want, channelsLast.get("loop").getAsJsonArray());
        JsonObject lite = r.get("tiny_ptl").getAsJsonObject();
        assertTrue(lite.get("lite").getAsBoolean());
        assertClose(want, lite.get("data").getAsJsonArray());
        assertClose(want, r.get("save_for_mobile").getAsJsonArray());

        String shape = r.get("wrong_shape").getAsString();
        assertTrue(shape.startsWith("error: ") && shape.contains("forward failed on input [2, 5]"), shape);
        assertTrue(shape.contains("2x5") || shape.contains("shape"), "the cause, not the interpreter's preamble: " + shape);
        assertTrue(!shape.contains("\n"), "one line: " + shape);
        String tuple = r.get("tuple_output").getAsString();
        assertTrue(tuple.contains("expected a Tensor"), tuple);
        String garbage = r.get("garbage").getAsString();
        // refused in Java (ModelFiles' tensor-record check reads its data.pkl) before LibTorch sees it
        assertTrue(garbage.startsWith("error: ") && garbage.contains("garbage.pt: damaged archive: data.pkl"), garbage);
        String truncated = r.get("truncated").getAsString();
        assertTrue(truncated.startsWith("error: ") && truncated.contains("not a TorchScript archive"), truncated);

        JsonObject loop = r.get("loop").getAsJsonObject();
        assertEquals(0, loop.get("warm_samples").getAsInt());
        JsonArray wall = loop.get("wall").getAsJsonArray();
        JsonArray cpu = loop.get("cpu").getAsJsonArray();
        assertEquals(5, wall.size());
        assertEquals(5, cpu.size());
        for (JsonElement w : wall) assertTrue(w.getAsLong() > 0, "wall sample " + w);
        // sink: first output element, once per call (3 warm-up + 5 measured)
        assertEquals(8 * want[0], loop.get("sink").getAsDouble(), 1e-3);
        assertClose(want, loop.get("last").getAsJsonArray());
        assertTrue(r.get("loop_unprepared").getAsString().contains("no input prepared"), r.toString());
        assertTrue(r.get("native_forward_unloaded").getAsString().equals("false: no model loaded"), r.toString());
        assertTrue(r.get("native_bad_shape").getAsString().startsWith("false: input dimension 1 is -2"), r.toString());
    }

    @Test
    void cliInfoAndPredictOnTheBridge() throws Exception {
        Child info = child("org.edgetorch.cli.Main", "--backend", "bridge", "info", "--json");
        assertEquals(0, info.exit(), info.stderr());
        JsonObject i = Json.parse(info.stdout()).getAsJsonObject();
        assertEquals("bridge", i.get("backend").getAsString());
        assertEquals(library.toString(), i.get("bridge_library").getAsString());
        assertTrue(i.get("max_bytecode").getAsInt() >= 4);
        assertEquals("UCX_HANDLE_ERRORS=none", i.get("bridge_environment").getAsString(), "set before LibTorch loads");

        Child builtIn = child("org.edgetorch.cli.Main", "--backend", "bridge", "predict", dir.resolve("x.jpg").toString());
        assertEquals(1, builtIn.exit(), builtIn.stderr());
        assertTrue(builtIn.stderr().contains("edgetorch: "), builtIn.stderr());

        Child bad = child("org.edgetorch.cli.Main", "--backend", "bridge", "bench", "--model", dir.resolve("garbage.pt").toString());
        assertEquals(1, bad.exit(), bad.stderr());
        assertTrue(bad.stderr().contains("edgetorch: ") && bad.stderr().contains("garbage.pt: damaged archive"), bad.stderr());

        Child bench = child("org.edgetorch.cli.Main", "--backend", "bridge", "bench", "--model", dir.resolve("tiny.pt").toString(),
                "--model", dir.resolve("tiny.ptl").toString(), "--shape", "2,3,2,2", "--warmup", "2", "--warmup-time", "0",
                "--runs", "5", "--min-time", "0", "--quiet", "--json");
        assertEquals(0, bench.exit(), bench.stderr());
        JsonObject report = Json.parse(bench.stdout()).getAsJsonObject();
        assertEquals("bridge", report.getAsJsonObject("environment").get("backend").getAsString());
        for (JsonElement t : report.getAsJsonArray("targets")) {
            JsonObject target = t.getAsJsonObject();
            assertEquals("native", target.get("timing_loop").getAsString(), target.toString());
            assertTrue(target.get("runs").getAsInt() >= 5);
        }
    }
}
