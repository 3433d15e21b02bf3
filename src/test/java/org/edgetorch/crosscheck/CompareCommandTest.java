package org.edgetorch.crosscheck;

import org.edgetorch.CliRun;

import com.google.gson.JsonObject;
import org.bytedeco.pytorch.CompilationUnit;
import org.bytedeco.pytorch.JitModule;
import org.bytedeco.pytorch.QualifiedName;
import org.edgetorch.backend.Backends;
import org.edgetorch.cli.Main;
import org.edgetorch.tensor.FloatTensor;
import org.edgetorch.tensor.Tensors;
import org.edgetorch.util.Json;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.io.PrintWriter;
import java.nio.file.Path;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** {@code compare} and {@code predict --save-io / --replay} through the CLI entry point. */
class CompareCommandTest {
    @TempDir
    Path dir;

    static CliRun run(String... args) {
        return CliRun.of(args);
    }

    @Test
    void compareReportsAndChecksBounds() {
        Path x86 = dir.resolve("x86.json"), ok = dir.resolve("ok.json"), bad = dir.resolve("bad.json");
        CrossComparisonTest.x86().write(x86);
        CrossComparisonTest.arm(1e-5, 0.05, true).write(ok);
        CrossComparisonTest.arm(0.01, 0.05, true).write(bad);

        CliRun good = run("compare", x86.toString(), ok.toString());
        assertEquals(0, good.code(), good.err());
        assertTrue(good.out().contains("within bounds"), good.out());
        assertTrue(good.out().contains("fp32.pt") && good.out().contains("int8.pt (q)"), good.out());
        assertTrue(good.out().contains("img1.jpg") && good.out().contains("max abs diff"), good.out());
        assertTrue(good.out().contains("5.00x"), "latency ratio: " + good.out());

        CliRun beyond = run("compare", x86.toString(), bad.toString());
        assertEquals(1, beyond.code());
        assertTrue(beyond.err().startsWith("edgetorch: outputs disagree beyond the bounds: fp32.pt: max abs logit difference"), beyond.err());
        assertTrue(beyond.out().contains("BEYOND BOUNDS"), beyond.out());
        assertEquals(0, run("compare", "--no-check", x86.toString(), bad.toString()).code());
        assertEquals(0, run("compare", "--max-abs-diff", "1", "--min-cosine", "0.99", x86.toString(), bad.toString()).code());

        CliRun json = run("compare", "--json", x86.toString(), ok.toString());
        JsonObject doc = Json.parse(json.out()).getAsJsonObject();
        assertEquals(CompareReport.SCHEMA, doc.get("schema").getAsString());
        assertTrue(doc.get("within_bounds").getAsBoolean());
        assertEquals(2, doc.getAsJsonArray("variants").size());

        CliRun missing = run("compare", x86.toString(), dir.resolve("nope.json").toString());
        assertEquals(1, missing.code());
        assertTrue(missing.err().contains("no such file"), missing.err());
        assertEquals(2, run("compare", x86.toString()).code());
    }

    @Test
    void predictSavesIoAndAReplayOnTheSameMachineMatchesExactly() throws Exception {
        Backends.get();
        float[] w = new float[3 * 1000];
        for (int i = 0; i < w.length; i++) w[i] = (float) Math.sin(i * 0.37);
        JitModule m = new JitModule(new QualifiedName("__torch__.edgetorch_test.Pool"), new CompilationUnit(), true);
        m.register_parameter("w", Tensors.toTorch(new FloatTensor(new long[]{3, 1000}, w)), false);
        m.define("def forward(self, x: Tensor) -> Tensor:\n    return torch.matmul(torch.mean(x, [2, 3]), self.w)\n");
        Path pt = dir.resolve("pool.pt");
        m.save(pt.toString());

        Path a = dir.resolve("a.json"), b = dir.resolve("b.json");
        CliRun first = run("predict", "--model", pt.toString(), "--batch", "1", "--save-io", a.toString(),
                "images/orange.jpg", "images/apple.jpg", "images/baboon.jpg");
        assertEquals(0, first.code(), first.err());
        IoFile fa = IoFile.read(a);
        assertEquals(3, fa.inputs().size());
        assertEquals("pool.pt", fa.variants().get(0).name());
        assertEquals(3, fa.variants().get(0).outputs().size());
        assertEquals("predict", fa.variants().get(0).latency().source());
        assertEquals(1, fa.variants().get(0).latency().runs(), "the first two calls are not timed");
        assertEquals(java.util.List.of(1L, 1000L), java.util.Arrays.stream(fa.variants().get(0).outputs().get(0).tensor().shape()).boxed().toList());

        CliRun second = run("predict", "--model", pt.toString(), "--save-io", b.toString(), "--replay", a.toString(), "images/orange.jpg");
        assertEquals(0, second.code(), second.err());
        IoFile fb = IoFile.read(b);
        assertEquals(4, fb.inputs().size(), "own image + three replays");
        CliRun cmp = run("compare", "--json", a.toString(), b.toString());
        assertEquals(0, cmp.code(), cmp.err() + cmp.out());
        JsonObject v = Json.parse(cmp.out()).getAsJsonObject().getAsJsonArray("variants").get(0).getAsJsonObject();
        assertEquals(3, v.getAsJsonObject("model").get("samples").getAsInt());
        assertEquals(0.0, v.getAsJsonObject("model").get("max_abs_diff").getAsDouble());
        assertEquals(1, v.getAsJsonObject("end_to_end").get("samples").getAsInt());

        Path garbage = dir.resolve("garbage.pt");
        try (var z = new java.util.zip.ZipOutputStream(java.nio.file.Files.newOutputStream(garbage))) {
            z.putNextEntry(new java.util.zip.ZipEntry("g/data.pkl"));
            z.write(new byte[]{(byte) 0x80, 2, 'q'});
            z.putNextEntry(new java.util.zip.ZipEntry("g/code/__torch__/m.py"));
            z.write("junk".getBytes());
            z.closeEntry();
        } catch (java.io.IOException e) {
            throw new AssertionError(e);
        }
        Path c = dir.resolve("c.json");
        CliRun bench = run("bench", "--model", pt.toString(), "--model", garbage.toString(), "--input", "images/orange.jpg",
                "--warmup", "1", "--warmup-time", "0", "--runs", "3", "--min-time", "0", "--quiet",
                "--save-io", c.toString(), "--replay", a.toString());
        assertEquals(0, bench.code(), bench.err());
        assertTrue(bench.err().contains("garbage.pt left out"), bench.err());
        IoFile fc = IoFile.read(c);
        assertEquals("bench", fc.command());
        IoFile.Variant pool = fc.variant("pool.pt");
        assertEquals(4, pool.outputs().size(), "bench input + three replays");
        assertEquals("bench", pool.latency().source());
        assertTrue(pool.latency().runs() >= 3);
        assertTrue(fc.variant("garbage.pt").error().contains("garbage.pt: damaged archive: data.pkl"), fc.variant("garbage.pt").error());
        CliRun cmpBench = run("compare", a.toString(), c.toString());
        // garbage.pt is in the other file only: not comparable, so compare fails and says which variant
        assertEquals(1, cmpBench.code(), cmpBench.out() + cmpBench.err());
        assertTrue(cmpBench.err().startsWith("edgetorch: outputs disagree beyond the bounds: garbage.pt: only in the other file"),
                cmpBench.err());

        CliRun verify = run("verify", "--model", pt.toString(), "--reference", a.toString());
        assertEquals(0, verify.code(), verify.err() + verify.out());
        assertTrue(verify.out().contains("PASS") && verify.out().contains("reference"), verify.out());
        m.register_parameter("w", Tensors.toTorch(new FloatTensor(new long[]{3, 1000}, new float[3 * 1000])), false);
        Path other = dir.resolve("other").resolve("pool.pt");
        m.save(java.nio.file.Files.createDirectories(other.getParent()).resolve("pool.pt").toString());
        CliRun verifyOther = run("verify", "--model", other.toString(), "--reference", a.toString(), "--json");
        assertEquals(1, verifyOther.code(), verifyOther.err());
        assertTrue(!Json.parse(verifyOther.out()).getAsJsonObject().get("passed").getAsBoolean());
        CliRun verifyUnknown = run("verify", "--model", garbage.toString(), "--reference", a.toString());
        assertEquals(1, verifyUnknown.code());

        CliRun noSave = run("predict", "--model", pt.toString(), "--replay", a.toString(), "images/orange.jpg");
        assertEquals(1, noSave.code());
        assertTrue(noSave.err().contains("--replay needs --save-io"), noSave.err());
    }
}
