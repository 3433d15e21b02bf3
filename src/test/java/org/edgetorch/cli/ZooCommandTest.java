package org.edgetorch.cli;

import com.google.gson.JsonObject;
import org.edgetorch.CliRun;
import org.edgetorch.quant.QuantTestModels;
import org.edgetorch.util.Json;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import javax.imageio.ImageIO;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

class ZooCommandTest {
    @TempDir
    Path dir;

    /**
     * Three models: a plain CNN and a squeeze-and-excitation one (hardswish, hardsigmoid, silu, mul, mean) that
     * every runtime takes, and one that is not a classifier; the zoo reports all three and exits 1.
     */
    @Test
    void zooOfThreeModels() throws IOException {
        Path zoo = dir.resolve("zoo");
        Files.createDirectories(zoo);
        QuantTestModels.smallCnn(zoo.resolve("a_small.pt"), 3);
        QuantTestModels.withExp(zoo.resolve("b_exp.pt"));
        org.edgetorch.graph.ZooOpsModels.squeezeExcite(zoo.resolve("c_se.pt"), 4);
        Path out = dir.resolve("report"), models = dir.resolve("models");
        CliRun r = CliRun.of("zoo", zoo.toString(), "--quick", "--out", out.toString(), "--models", models.toString());
        assertEquals(1, r.code(), r.err());
        assertTrue(r.err().contains("edgetorch: zoo: b_exp: "), r.err());
        assertTrue(r.out().contains("report: " + out.resolve("report.md")), r.out());

        JsonObject j = Json.parse(Files.readString(out.resolve("report.json"))).getAsJsonObject();
        assertEquals("edgetorch.zoo/1", j.get("schema").getAsString());
        assertEquals(3, j.getAsJsonArray("models").size());
        for (int k : new int[]{0, 2}) checkStudied(j.getAsJsonArray("models").get(k).getAsJsonObject(), models);
        JsonObject exp = j.getAsJsonArray("models").get(1).getAsJsonObject();
        assertTrue(exp.get("error").getAsString().contains("[N, classes] logits"), exp.toString());

        String md = Files.readString(out.resolve("report.md"));
        assertTrue(md.startsWith("# edgetorch zoo on "), md);
        assertTrue(md.contains("| a_small |") && md.contains("| c_se |"), md);
        assertTrue(md.contains("| b_exp |") && md.contains("not studied: "), md);
        assertNotNull(ImageIO.read(out.resolve("latency.png").toFile()));
    }

    /** Every deployable variant of a studied model, timed, on disk, and the FP32 files as LibTorch computes. */
    private static void checkStudied(JsonObject model, Path models) {
        String name = model.get("name").getAsString();
        assertTrue(model.get("error").isJsonNull(), model.toString());
        for (var s : model.getAsJsonArray("stages")) assertFalse(s.getAsJsonObject().get("status").getAsString().equals("failed"), s.toString());
        Map<String, JsonObject> variants = new HashMap<>();
        for (var v : model.getAsJsonArray("variants")) variants.put(v.getAsJsonObject().get("id").getAsString(), v.getAsJsonObject());
        assertTrue(variants.keySet().containsAll(List.of("fp32-torchscript", "fp32-onnxruntime", "int8-onnxruntime", "fp32-tflite",
                "int8-tflite")), variants.keySet().toString());
        assertTrue(variants.keySet().stream().anyMatch(k -> k.startsWith("int8-static-")), variants.keySet().toString());
        assertFalse(variants.containsKey("int8-tflite-builtin"), "the zoo measures what deploys: XNNPACK only");
        for (JsonObject v : variants.values()) {
            assertTrue(v.getAsJsonObject("latency").get("median_ms").getAsDouble() > 0, v.toString());
            assertTrue(v.get("bytes").getAsLong() > 0, v.toString());
            assertTrue(Files.exists(Path.of(v.get("file").getAsString())), v.toString());
        }
        for (String fp32 : List.of("fp32-onnxruntime", "fp32-tflite")) {
            // each runtime's own output on the held-out photos against LibTorch's run of the FP32 file
            JsonObject a = variants.get(fp32).getAsJsonObject("agreement");
            assertTrue(a.get("max_abs_diff").getAsDouble() <= 1e-4 * a.get("reference_max_abs").getAsDouble(), fp32 + ": " + a);
        }
        assertTrue(Files.exists(models.resolve(name + "_int8.onnx")) && Files.exists(models.resolve(name + "_int8.tflite")), name);
        for (String int8 : List.of("int8-onnxruntime", "int8-tflite")) {
            // a sanity bound only (a miswired INT8 graph has a cosine near 0): these untrained toys calibrated on 4 photos
            // reach 6 dB; the writers' own tests bound fidelity tightly
            assertTrue(variants.get(int8).getAsJsonObject("agreement").get("cosine").getAsDouble() > 0.8, name + " " + int8 + ": " + variants.get(int8));
        }
    }

    @Test
    void refusesWhatItCannotTakeBeforeRunning() throws IOException {
        Path empty = dir.resolve("empty");
        Files.createDirectories(empty);
        CliRun e = CliRun.of("zoo", empty.toString(), "--out", dir.resolve("o").toString());
        assertEquals(1, e.code());
        assertEquals("edgetorch: " + empty + ": no .pt files in this folder\n", e.err());

        Path a = dir.resolve("x").resolve("m.pt"), b = dir.resolve("y").resolve("m.pt");
        Files.createDirectories(a.getParent());
        Files.createDirectories(b.getParent());
        QuantTestModels.smallCnn(a, 1);
        QuantTestModels.smallCnn(b, 2);
        CliRun twice = CliRun.of("zoo", a.toString(), b.toString(), "--out", dir.resolve("o").toString());
        assertEquals(1, twice.code());
        assertTrue(twice.err().contains("two models named m would write the same artifacts"), twice.err());

        Path onnx = dir.resolve("n.onnx");
        Files.write(onnx, new byte[]{8, 1});
        CliRun wrong = CliRun.of("zoo", onnx.toString(), "--out", dir.resolve("o").toString());
        assertEquals(1, wrong.code());
        assertTrue(wrong.err().startsWith("edgetorch: " + onnx + ": the zoo takes FP32 TorchScript files (.pt), not a onnx file"), wrong.err());
        assertFalse(Files.exists(dir.resolve("o")));
    }
}
