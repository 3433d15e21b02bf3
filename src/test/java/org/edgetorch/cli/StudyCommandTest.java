package org.edgetorch.cli;

import com.google.gson.JsonObject;
import org.edgetorch.util.Json;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import javax.imageio.ImageIO;
import java.awt.image.BufferedImage;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.stream.Stream;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

class StudyCommandTest {
    @TempDir
    Path dir;

    /** Runs the CLI in-process; returns {exit code, stdout, stderr}. */
    private static String[] run(String... args) {
        PrintStream oldErr = System.err, oldOut = System.out;
        ByteArrayOutputStream err = new ByteArrayOutputStream(), out = new ByteArrayOutputStream();
        try {
            System.setErr(new PrintStream(err, true));
            System.setOut(new PrintStream(out, true));
            int code = Main.execute(args);
            return new String[]{String.valueOf(code), out.toString(), err.toString()};
        } finally {
            System.setErr(oldErr);
            System.setOut(oldOut);
        }
    }

    private List<String> names(Path d) throws IOException {
        try (Stream<Path> s = Files.list(d)) {
            return s.map(p -> p.getFileName().toString()).sorted().toList();
        }
    }

    /** {@code count} photos of images/ (sorted by name, from {@code from}) copied into a new folder. */
    static Path photos(Path folder, int from, int count) throws IOException {
        Files.createDirectories(folder);
        try (Stream<Path> files = Files.list(Path.of("images"))) {
            List<Path> all = files.filter(p -> p.toString().matches(".*\\.(jpg|png)$")).sorted().toList();
            for (Path p : all.subList(from, from + count)) Files.copy(p, folder.resolve(p.getFileName()));
        }
        return folder;
    }

    @Test
    void quickStudyEndToEnd() throws IOException {
        Path out = dir.resolve("results").resolve("quick");
        Path models = dir.resolve("models");
        long t0 = System.nanoTime();
        Path calib = photos(dir.resolve("calib"), 0, 6);
        // labelled: class folders 0, 1, 2 with one photo each
        Path eval = dir.resolve("eval");
        for (int k = 0; k < 3; k++) photos(eval.resolve(Integer.toString(k)), 6 + k, 1);
        String[] r = run("study", "--quick", "--out", out.toString(), "--models", models.toString(),
                "--calib", calib.toString(), "--eval", eval.toString());
        double seconds = (System.nanoTime() - t0) / 1e9;
        assertEquals("0", r[0], r[2]);
        System.err.println("study --quick took " + seconds + " s");
        assertTrue(r[1].contains("report: " + out.resolve("report.md")), r[1]);
        assertTrue(r[2].contains("[1/") && r[2].contains("] latency"), "progress shows the stages: " + r[2]);

        assertEquals(List.of("quick"), names(out.getParent()), "the report folder and nothing half-written beside it");
        assertEquals(List.of("latency.png", "memory.png", "report.json", "report.md", "size.png"), names(out));
        assertTrue(Files.size(models.resolve("mobilenet_v2_fp32.pt")) > 10_000_000);

        JsonObject j = Json.parse(Files.readString(out.resolve("report.json"))).getAsJsonObject();
        assertEquals("edgetorch.study/3", j.get("schema").getAsString());
        for (String k : List.of("machine", "model", "settings", "stages", "variants", "latency", "reference")) {
            assertTrue(j.has(k), "report.json has " + k);
        }
        assertTrue(j.get("quick").getAsBoolean());
        assertFalse(j.getAsJsonObject("model").get("trained_weights").getAsBoolean());
        assertTrue(j.getAsJsonObject("machine").get("quantized_engines").getAsJsonArray().size() > 0);
        List<String> variants = j.getAsJsonArray("variants").asList().stream()
                .map(v -> v.getAsJsonObject().get("id").getAsString()).toList();
        assertTrue(variants.containsAll(List.of("fp32-eager", "fp32-torchscript", "int8-dynamic", "fp32-mobile")), variants.toString());
        assertTrue(variants.containsAll(List.of("fp32-tflite", "int8-tflite", "int8-tflite-builtin")), variants.toString());
        for (var e : j.getAsJsonObject("machine").get("quantized_engines").getAsJsonArray()) {
            assertTrue(variants.contains("int8-static-" + e.getAsString()), "a static variant per engine: " + variants);
        }
        if (variants.contains("int8-static-qnnpack")) assertTrue(variants.contains("int8-static-qnnpack-mobile"), variants.toString());
        assertTrue(Files.exists(models.resolve("mobilenet_v2_fp32.ptl")));
        List<Integer> sweep = org.edgetorch.study.StudyOptions.defaultThreads(Runtime.getRuntime().availableProcessors());
        assertEquals(sweep, j.getAsJsonObject("settings").getAsJsonArray("threads").asList().stream().map(e -> e.getAsInt()).toList(), "default sweep: 1 and all cores");
        assertEquals(variants.size() * sweep.size(), j.getAsJsonArray("latency").size(), "one latency row per variant and thread count, dummy input");
        assertEquals(3, j.getAsJsonObject("settings").getAsJsonArray("agreement_images").size(), "agreement on the --eval photos: " + j.get("settings"));
        assertTrue(j.getAsJsonArray("notes").toString().contains("calibrated on 6 photos"), "all --calib photos: " + j.get("notes"));
        JsonObject acc = j.getAsJsonObject("accuracy");
        assertEquals(3, acc.get("images").getAsInt());
        assertEquals(variants.size(), acc.getAsJsonArray("variants").size(), "accuracy of every variant: " + acc);
        assertTrue(acc.get("note").getAsString().contains("meaningless"), acc.toString());
        // resources: every variant alone in a child process at the first thread count (--quick), none at the others
        for (var l : j.getAsJsonArray("latency")) {
            JsonObject o = l.getAsJsonObject();
            if (o.get("threads").getAsInt() != sweep.get(0)) {
                assertTrue(o.get("resources").isJsonNull(), o.toString());
                continue;
            }
            JsonObject res = o.getAsJsonObject("resources");
            assertFalse(res.has("error"), res.toString());
            assertTrue(res.get("peak_rss_bytes").getAsLong() >= res.get("rss_after_load_bytes").getAsLong(), res.toString());
            assertTrue(res.get("cpu_ms_per_inference").getAsDouble() > 0, res.toString());
        }
        for (var l : j.getAsJsonArray("latency")) {
            JsonObject o = l.getAsJsonObject();
            assertTrue(o.get("median_ms").getAsDouble() > 0);
            assertTrue(o.get("p10_ms").getAsDouble() <= o.get("median_ms").getAsDouble());
            assertTrue(o.get("median_ms").getAsDouble() <= o.get("p90_ms").getAsDouble());
            // the layout the loaded model took: channels-last for XNNPACK's .ptl and TFLite's NHWC files
            String variant = o.get("variant").getAsString();
            String expected = variant.equals("fp32-mobile") || variant.contains("tflite") ? "nhwc"
                    : variant.equals("fp32-eager") || variant.equals("fp32-torchscript") ? "nchw" : null;
            if (expected != null) assertEquals(expected, o.get("input_layout").getAsString(), o.toString());
            assertTrue(o.get("input_conversion_ms").getAsDouble() >= 0, o.toString());
        }
        JsonObject ts = j.getAsJsonArray("variants").get(1).getAsJsonObject();
        assertTrue(ts.get("bytes").getAsLong() > 10_000_000);
        assertTrue(ts.getAsJsonObject("agreement").get("cosine").getAsDouble() > 0.9999);
        assertTrue(j.getAsJsonObject("verification").getAsJsonObject("fp32-torchscript").get("passed").getAsBoolean());
        for (var s : j.getAsJsonArray("stages")) assertFalse(s.getAsJsonObject().get("status").getAsString().equals("failed"), s.toString());

        String md = Files.readString(out.resolve("report.md"));
        assertTrue(md.startsWith("# edgetorch study: mobilenet_v2"), md);
        assertTrue(md.contains("**Untrained weights.**"), md);
        assertTrue(md.contains("| FP32 TorchScript (.pt) | LibTorch | nchw |"), md);
        assertTrue(md.contains("![latency](latency.png)"), md);

        for (String png : List.of("latency.png", "size.png")) {
            BufferedImage img = ImageIO.read(out.resolve(png).toFile());
            assertNotNull(img, png);
            assertEquals(1000, img.getWidth(), png);
            assertTrue(img.getHeight() >= 300 && img.getHeight() <= 2400, png + " height " + img.getHeight());
        }
    }

    /** --model: the study of a user's TorchScript file, every variant made from it, nothing written beside it. */
    @Test
    void studyOfAUsersModel() throws IOException {
        Path mine = dir.resolve("mine");
        Files.createDirectories(mine);
        Path file = mine.resolve("tiny_cnn.pt");
        org.edgetorch.quant.QuantTestModels.smallCnn(file, 5);
        Path out = dir.resolve("report"), models = dir.resolve("models");
        String[] r = run("study", "--model", file.toString(), "--quick", "--resources", "off", "--threads", "1",
                "--out", out.toString(), "--models", models.toString());
        assertEquals("0", r[0], r[2]);
        assertEquals(List.of("tiny_cnn.pt"), names(mine), "nothing written beside the user's file");
        assertTrue(Files.exists(models.resolve("tiny_cnn_int8_qnnpack.pt")), names(models).toString());
        assertTrue(Files.exists(models.resolve("tiny_cnn.ptl")), names(models).toString());
        assertTrue(Files.exists(models.resolve("tiny_cnn_int8.onnx")) && Files.exists(models.resolve("tiny_cnn_int8.tflite")),
                names(models).toString());

        JsonObject j = Json.parse(Files.readString(out.resolve("report.json"))).getAsJsonObject();
        JsonObject model = j.getAsJsonObject("model");
        assertEquals("tiny_cnn", model.get("arch").getAsString());
        assertFalse(model.get("trained_weights").getAsBoolean(), "provenance not recorded: treated as untrained");
        List<String> variants = j.getAsJsonArray("variants").asList().stream()
                .map(v -> v.getAsJsonObject().get("id").getAsString()).toList();
        assertFalse(variants.contains("fp32-eager"), variants.toString());
        assertTrue(variants.containsAll(List.of("fp32-torchscript", "fp32-onnxruntime", "int8-onnxruntime", "fp32-tflite",
                "int8-tflite", "fp32-mobile")), variants.toString());
        JsonObject fp32 = j.getAsJsonArray("variants").get(0).getAsJsonObject();
        assertEquals(file.toString(), fp32.get("file").getAsString());
        for (var s : j.getAsJsonArray("stages")) {
            JsonObject o = s.getAsJsonObject();
            assertFalse(o.get("status").getAsString().equals("failed"), o.toString());
            if (o.get("name").getAsString().equals("verify")) assertEquals("skipped", o.get("status").getAsString());
        }
        String md = Files.readString(out.resolve("report.md"));
        assertTrue(md.startsWith("# edgetorch study: tiny_cnn"), md);
        assertTrue(md.contains("Study a model file with trained weights"), md);
    }

    @Test
    void modelOptionRefusesWhatItCannotStudy() throws IOException {
        String[] missing = run("study", "--model", dir.resolve("none.pt").toString(), "--out", dir.resolve("o").toString());
        assertEquals("1", missing[0]);
        assertEquals("edgetorch: " + dir.resolve("none.pt") + ": no such file\n", missing[2]);
        Path onnx = dir.resolve("m.onnx");
        Files.write(onnx, new byte[]{8, 1});
        String[] wrong = run("study", "--model", onnx.toString(), "--out", dir.resolve("o").toString(), "--models", dir.resolve("m").toString());
        assertEquals("1", wrong[0]);
        assertTrue(wrong[2].startsWith("edgetorch: --model " + onnx + ": the study starts from an FP32 TorchScript file (.pt), not a onnx file"),
                wrong[2]);
        assertFalse(Files.exists(dir.resolve("o")), "no report folder for a refused model");
        Path pt = dir.resolve("x.pt");
        org.edgetorch.quant.QuantTestModels.smallCnn(pt, 1);
        String[] both = run("study", "--model", pt.toString(), "--weights", pt.toString());
        assertEquals("2", both[0]);
        assertTrue(both[2].contains("--weights loads a built-in architecture; --model FILE brings its own weights"), both[2]);
    }

    @Test
    void unwritableOutputFailsAtOnceWithOneLine() throws IOException {
        Path file = Files.writeString(dir.resolve("not-a-folder"), "x");
        Path models = dir.resolve("models");
        long t0 = System.nanoTime();
        String[] r = run("study", "--quick", "--out", file.resolve("report").toString(), "--models", models.toString());
        assertEquals("1", r[0], r[2]);
        String err = r[2].strip();
        assertEquals(1, err.lines().count(), err);
        assertTrue(err.startsWith("edgetorch: ") && err.contains(file.toString()), err);
        assertTrue((System.nanoTime() - t0) / 1e9 < 30, "fails before the stages run");
        assertEquals(List.of(), names(models), "no stage ran");
        assertEquals(List.of("models", "not-a-folder"), names(dir));
    }

    @Test
    void foreignFolderIsNotReplaced() throws IOException {
        Path photos = Files.createDirectories(dir.resolve("photos"));
        Files.writeString(photos.resolve("keep.txt"), "mine");
        String[] r = run("study", "--quick", "--out", photos.toString(), "--models", dir.resolve("models").toString());
        assertEquals("1", r[0], r[2]);
        assertTrue(r[2].contains("holds no study report"), r[2]);
        assertEquals(List.of("keep.txt"), names(photos));
    }

    @Test
    void badOptions() {
        String[] zero = run("study", "--quick", "--threads", "0", "--out", dir.resolve("o").toString());
        assertEquals("2", zero[0], zero[2]); // refused where picocli converts it (OptionConverters.ThreadCount)
        assertTrue(zero[2].contains("--threads") && zero[2].contains("at least 1 thread"), zero[2]);
        String[] twice = run("study", "--threads", "1,1", "--out", dir.resolve("o").toString());
        assertEquals("1", twice[0], twice[2]);
        String[] word = run("study", "--threads", "many");
        assertEquals("2", word[0], "picocli: usage error");
        String[] arch = run("study", "--arch", "alexnet", "--out", dir.resolve("o").toString());
        assertEquals("1", arch[0], arch[2]);
        assertTrue(arch[2].contains("alexnet"), arch[2]);
        String[] weights = run("study", "--weights", dir.resolve("missing.pth").toString(), "--out", dir.resolve("o").toString());
        assertEquals("1", weights[0], weights[2]);
        assertTrue(weights[2].contains("missing.pth"), weights[2]);
        assertFalse(Files.exists(dir.resolve("o")));
    }
}
