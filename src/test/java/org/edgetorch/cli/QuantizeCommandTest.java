package org.edgetorch.cli;

import com.google.gson.JsonObject;
import org.edgetorch.TestSupport;
import org.edgetorch.quant.QuantizedArchive;
import org.edgetorch.util.Json;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.lang.reflect.Method;
import java.nio.file.Files;
import java.nio.file.Path;

import static org.edgetorch.cli.ModelCommandsTest.run;
import static org.junit.jupiter.api.Assertions.*;

/** {@code edgetorch quantize} end to end on a small CNN, and its refusals (exit 1 / 2, nothing written). */
class QuantizeCommandTest {
    @TempDir
    static Path dir;
    static Path fp32;

    @BeforeAll
    static void model() throws Exception {
        TestSupport.libtorch();
        fp32 = dir.resolve("small_fp32.pt");
        // the test model builder lives with the quantizer's tests
        Class<?> models = Class.forName("org.edgetorch.quant.QuantTestModels");
        Method m = models.getDeclaredMethod("smallCnn", Path.class, long.class);
        m.setAccessible(true);
        m.invoke(null, fp32, 7L);
    }

    @Test
    void staticWithImagesFromADirectory() {
        org.edgetorch.CliRun r = run("quantize", "--mode", "static", "--engine", "qnnpack", "--in", fp32.toString(),
                "--calib", "images", "--calib-count", "3", "--eval-count", "2", "--observer", "percentile", "--json");
        assertEquals(0, r.code(), r.err());
        Path out = dir.resolve("small_int8_qnnpack.pt");
        assertTrue(Files.exists(out), "default output beside the input, _fp32 replaced");
        assertTrue(r.err().contains("calibrating (pass 1/2): 3/3 images") && r.err().contains("(pass 2/2): 3/3"), "progress on stderr: " + r.err());
        JsonObject doc = Json.parse(r.out()).getAsJsonObject();
        assertEquals("edgetorch.quantize/1", doc.get("schema").getAsString());
        JsonObject res = doc.getAsJsonObject("result");
        assertEquals("static", res.get("mode").getAsString());
        assertEquals("percentile", res.get("observer").getAsString());
        assertEquals(3, res.get("calibration_inputs").getAsInt());
        JsonObject f = doc.getAsJsonObject("fidelity");
        assertEquals(2, f.get("samples").getAsInt());
        assertTrue(f.get("sqnr_db").getAsDouble() > 20, f.toString());
        assertEquals("qnnpack", QuantizedArchive.engineOf(out).orElseThrow());
    }

    @Test
    void dynamicWithATable() {
        Path out = dir.resolve("dyn.pt");
        org.edgetorch.CliRun r = run("quantize", "--mode", "dynamic", "--in", fp32.toString(), "--out", out.toString(), "--eval-count", "1");
        assertEquals(0, r.code(), r.err());
        assertTrue(r.out().contains("dynamic INT8") && r.out().contains("1 linear layer(s) quantized"), r.out());
        assertTrue(r.out().contains("SQNR"), r.out());
        assertTrue(Files.exists(out));
    }

    @Test
    void refusals() {
        Path out = dir.resolve("never.pt");
        org.edgetorch.CliRun engine = run("quantize", "--mode", "static", "--engine", "bogus", "--in", fp32.toString(), "--out", out.toString());
        assertEquals(1, engine.code());
        assertTrue(engine.err().startsWith("edgetorch: quantized engine 'bogus' is not available") && engine.err().contains("supported:"), engine.err());
        assertEquals(1, engine.err().strip().lines().count(), "one line: " + engine.err());

        assertEquals(2, run("quantize", "--mode", "sideways", "--in", fp32.toString()).code());
        assertEquals(2, run("quantize", "--mode", "static", "--observer", "mean", "--in", fp32.toString()).code());
        assertEquals(2, run("quantize", "--mode", "static", "--calib-count", "0", "--in", fp32.toString()).code());
        assertEquals(2, run("quantize", "--mode", "dynamic", "--calib", "images", "--in", fp32.toString()).code());

        org.edgetorch.CliRun missing = run("quantize", "--mode", "static", "--in", dir.resolve("absent.pt").toString(), "--out", out.toString());
        assertEquals(1, missing.code());
        assertTrue(missing.err().contains("no such file"), missing.err());

        org.edgetorch.CliRun noImages = run("quantize", "--mode", "static", "--in", fp32.toString(), "--out", out.toString(),
                "--calib", dir.toString());
        assertEquals(1, noImages.code());
        assertTrue(noImages.err().contains("no images"), noImages.err());
        assertFalse(Files.exists(out));
    }

    /** A folder of {@code n} photos copied from images/, sorted by name. */
    static Path photoFolder(String name, int n) throws Exception {
        Path folder = Files.createDirectories(dir.resolve(name));
        try (var files = Files.list(Path.of("images"))) {
            var photos = files.filter(p -> p.toString().matches(".*\\.(jpg|png)$")).sorted().limit(n).toList();
            assertEquals(n, photos.size(), "images/ has fewer photos than the test needs");
            for (Path p : photos) Files.copy(p, folder.resolve(p.getFileName()));
        }
        return folder;
    }

    @Test
    void calibratesOnEveryImageOfTheFolderAndEvaluatesOnAnotherFolder() throws Exception {
        // 16 photos used to fail with "no images given"; more than 16 were silently cut to 16
        Path sixteen = photoFolder("calib16", 16);
        Path twenty = photoFolder("calib20", 20);
        Path eval = photoFolder("eval3", 3);
        for (Path calib : new Path[]{sixteen, twenty}) {
            Path out = dir.resolve("all_" + calib.getFileName() + ".pt");
            org.edgetorch.CliRun r = run("quantize", "--mode", "static", "--engine", "qnnpack", "--in", fp32.toString(),
                    "--out", out.toString(), "--calib", calib.toString(), "--eval", eval.toString(), "--json");
            assertEquals(0, r.code(), r.err());
            JsonObject doc = Json.parse(r.out()).getAsJsonObject();
            int expected = calib == sixteen ? 16 : 20;
            assertEquals(expected, doc.getAsJsonObject("result").get("calibration_inputs").getAsInt());
            assertEquals(3, doc.getAsJsonObject("fidelity").get("samples").getAsInt(), "fidelity on the --eval folder");
        }
        org.edgetorch.CliRun table = run("quantize", "--mode", "static", "--engine", "qnnpack", "--in", fp32.toString(),
                "--out", dir.resolve("few.pt").toString(), "--calib", twenty.toString(), "--calib-count", "5", "--eval-count", "4");
        assertEquals(0, table.code(), table.err());
        assertTrue(table.out().contains("calibration: 5 images"), table.out());
        assertTrue(table.out().contains("fidelity to FP32 on 4 held-out images"), "bundled held-out photos by default: " + table.out());

        Path never = dir.resolve("never_eval.pt");
        org.edgetorch.CliRun badEval = run("quantize", "--mode", "static", "--engine", "qnnpack", "--in", fp32.toString(),
                "--out", never.toString(), "--calib", sixteen.toString(), "--eval", dir.resolve("absent").toString());
        assertEquals(1, badEval.code());
        assertTrue(badEval.err().contains("absent: no such file or directory"), badEval.err());
        assertFalse(Files.exists(never), "nothing written when --eval is wrong");
    }
}
