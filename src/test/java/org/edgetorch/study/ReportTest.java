package org.edgetorch.study;

import com.google.gson.JsonObject;
import org.edgetorch.util.Json;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import javax.imageio.ImageIO;
import java.awt.image.BufferedImage;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Set;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The renderers on a made-up result: markdown, JSON schema, charts. */
class ReportTest {
    @TempDir
    Path dir;

    @Test
    void jsonHasTheSchemaFields() {
        StudyResult r = SampleResults.sample(true);
        JsonObject j = Json.parse(ReportJson.write(r, List.of("latency.png", "size.png"))).getAsJsonObject();
        StudyReportSchema.check(j);
        assertEquals(ReportJson.SCHEMA, j.get("schema").getAsString());
        assertFalse(j.getAsJsonObject("model").get("trained_weights").getAsBoolean());
        // FP32 TorchScript's agreement is exact: infinite SQNR becomes null, not "Infinity" (invalid JSON)
        JsonObject ts = j.getAsJsonArray("variants").get(1).getAsJsonObject();
        assertTrue(ts.getAsJsonObject("agreement").get("sqnr_db").isJsonNull());
        assertFalse(ReportJson.write(r, List.of()).contains("Infinity"));
        // ratio to FP32 eager, per thread count
        JsonObject int8at2 = j.getAsJsonArray("latency").asList().stream().map(e -> e.getAsJsonObject())
                .filter(l -> l.get("variant").getAsString().equals("int8-static-qnnpack") && l.get("threads").getAsInt() == 2)
                .findFirst().orElseThrow();
        assertEquals(5.0 / 30, int8at2.get("ratio_to_fp32_eager").getAsDouble(), 1e-9);
        // Java/Python ratios
        JsonObject ratio = j.getAsJsonObject("python").getAsJsonArray("ratios").get(1).getAsJsonObject();
        assertEquals("fp32-torchscript", ratio.get("variant").getAsString());
        assertEquals(15.0 / 95, ratio.get("ratio_edgetorch_to_python").getAsDouble(), 1e-9);
        assertFalse(j.getAsJsonObject("reference").get("same_machine").getAsBoolean());
        // resources: 4.5 s of CPU over 100 runs in 3 s of wall time
        JsonObject eager = j.getAsJsonArray("latency").get(0).getAsJsonObject().getAsJsonObject("resources");
        assertEquals(45.0, eager.get("cpu_ms_per_inference").getAsDouble(), 1e-9);
        assertEquals(1.5, eager.get("cpu_utilization").getAsDouble(), 1e-9);
        assertEquals(400L << 20, eager.get("peak_rss_bytes").getAsLong());
        assertTrue(eager.getAsJsonObject("energy").get("unavailable").getAsString().startsWith("no energy meter"));
        assertTrue(j.getAsJsonArray("latency").get(2).getAsJsonObject().get("resources").isJsonNull(), "not measured: null");
        JsonObject acc = j.getAsJsonObject("accuracy");
        assertEquals(0.5, acc.getAsJsonArray("variants").get(0).getAsJsonObject().get("top1").getAsDouble());
        assertTrue(acc.get("note").getAsString().contains("meaningless"));
    }

    /** The sample plus an XNNPACK .ptl whose harness run recorded a channels-last input, converted once in 0.42 ms. */
    private static StudyResult withChannelsLastVariant() {
        StudyResult s = SampleResults.sample(true);
        List<Variant> variants = new java.util.ArrayList<>(s.variants());
        variants.add(new Variant(Variant.FP32_MOBILE, "FP32 mobile (.ptl)", "mobile", "lite-interpreter", "fp32", null,
                "models/mobilenet_v2_fp32.ptl", 14_000_000L, SampleResults.CLOSE));
        List<Latency> latency = new java.util.ArrayList<>(s.latency());
        for (int t : List.of(1, 2)) latency.add(SampleResults.lat(Variant.FP32_MOBILE, t, 8, 30.0, "nhwc", 0.42).withRatio(8 / 30.0));
        return new StudyResult(s.created(), s.edgetorchVersion(), s.command(), s.machine(), s.weights(), s.quick(), s.threads(),
                s.plan(), s.timer(), s.heldOut(), s.calibration(), s.stages(), variants, latency, s.verification(), s.python(), s.notes(),
                s.accuracy(), s.labels());
    }

    @Test
    void eachLatencyRowNamesTheInputLayoutItWasMeasuredWith() {
        StudyResult r = withChannelsLastVariant();
        JsonObject j = Json.parse(ReportJson.write(r, List.of())).getAsJsonObject();
        StudyReportSchema.check(j);
        for (var e : j.getAsJsonArray("latency")) {
            JsonObject l = e.getAsJsonObject();
            boolean mobile = l.get("variant").getAsString().equals(Variant.FP32_MOBILE);
            assertEquals(mobile ? "nhwc" : "nchw", l.get("input_layout").getAsString(), l.toString());
            assertEquals(mobile ? 0.42 : 0.0, l.get("input_conversion_ms").getAsDouble(), 1e-12, l.toString());
        }
        String md = ReportMarkdown.render(r, List.of());
        // summary: the Input column; latency tables: layout and the one-off conversion
        assertTrue(md.contains("| Variant | Runtime | Input | Size MB |"), md);
        assertTrue(md.contains("| FP32 mobile (.ptl) | LibTorch | nhwc | 14.00 | 8.00 |"), md);
        assertTrue(md.contains("| FP32 TorchScript (.pt) | LibTorch | nchw | 14.27 |"), md);
        assertTrue(md.contains("| Load ms | First ms | Input layout | Conversion ms |"), md);
        assertTrue(md.contains("| 30 | 24.0 | nhwc | 0.42 |"), md);
        assertTrue(md.contains("| (in memory) | 90.0 | nchw | 0.00 |"), md);
        // beside PyTorch: each side's layout
        assertTrue(md.contains("| FP32 TorchScript (.pt) | 15.0 | 95.0 | 0.16× | nchw / nchw |"), md);
    }

    @Test
    void aLayoutNotRecordedIsNullNotAGuess() {
        // a Python result from before the script recorded layouts
        String json = "{\"schema\": \"edgetorch.python-study/1\", \"torch\": \"1.13.0\", \"torchvision\": \"0.14.1\", "
                + "\"quantized_engines\": [\"qnnpack\"], \"notes\": [], \"variants\": [{\"id\": \"fp32-eager\", \"label\": \"FP32 eager (PyTorch)\", "
                + "\"format\": \"eager\", \"precision\": \"fp32\", \"engine\": null, \"file\": null, \"bytes\": null, "
                + "\"agreement\": null}], \"latency\": [{\"variant\": \"fp32-eager\", "
                + "\"threads\": 1, \"input\": \"dummy\", \"runs\": 3, \"warmup_runs\": 1, \"median_ms\": 1, \"p10_ms\": 1, "
                + "\"p90_ms\": 1, \"p99_ms\": 1, \"mean_ms\": 1, \"stdev_ms\": 0, \"min_ms\": 1, \"max_ms\": 1, \"load_ms\": null, "
                + "\"first_inference_ms\": 2, \"ratio_to_fp32_eager\": 1, \"timer\": \"python time.perf_counter_ns\"}]}";
        Latency old = PythonStage.parse(json, "python3").latency().get(0);
        assertEquals(null, old.inputLayout());
        assertEquals(null, old.inputConversionMs());
        Latency now = PythonStage.parse(json.replace("\"timer\"", "\"input_layout\": \"nchw\", \"input_conversion_ms\": 0.0, \"timer\""),
                "python3").latency().get(0);
        assertEquals("nchw", now.inputLayout());
        assertEquals(0.0, now.inputConversionMs());
        StudyResult u = SampleResults.sample(false);
        StudyResult r = new StudyResult(u.created(), u.edgetorchVersion(), u.command(), u.machine(), u.weights(), u.quick(),
                u.threads(), u.plan(), u.timer(), u.heldOut(), u.calibration(), u.stages(), u.variants(), u.latency(), u.verification(),
                PythonStage.parse(json, "python3"), u.notes(), u.accuracy(), u.labels());
        JsonObject row = Json.parse(ReportJson.write(r, List.of())).getAsJsonObject().getAsJsonObject("python")
                .getAsJsonArray("latency").get(0).getAsJsonObject();
        assertTrue(row.has("input_layout") && row.get("input_layout").isJsonNull(), row.toString());
        assertTrue(ReportMarkdown.render(r, List.of()).contains("| FP32 eager (Java) | 30.0 | 1.00 | 30.00× | nchw / ? |"),
                ReportMarkdown.render(r, List.of()));
    }

    @Test
    void markdownHasTheResourceTable() {
        String md = ReportMarkdown.render(SampleResults.sample(false), List.of());
        assertTrue(md.contains("## Memory, CPU and energy"), md);
        assertTrue(md.contains("| FP32 eager (Java) | 350.0 | 400.0 | 45.00 | 1.50 | n/a |"), md);
        assertTrue(md.contains("Energy: n/a: no energy meter: none on the test machine."), md);
        assertTrue(md.contains("## Accuracy") && md.contains("**Untrained weights: these figures are meaningless**"), md);
        assertTrue(md.contains("| FP32 eager (Java) | 50% | 100% |") || md.contains("| FP32 eager (Java) | 50.0% | 100.0% |"), md);
    }

    @Test
    void markdownStatesUntrainedWeightsMachineAndTables() {
        String md = ReportMarkdown.render(SampleResults.sample(true), List.of("latency.png"));
        assertTrue(md.contains("**Untrained weights.**"), md);
        assertTrue(md.contains("no accuracy figure means anything"), md);
        assertTrue(md.contains("| CPU | Test CPU (2 logical CPUs) |"), md);
        assertTrue(md.contains("| LibTorch | 2.10.0 (backend: bytedeco) |"), md);
        assertTrue(md.contains("qnnpack, onednn, x86, fbgemm (used: qnnpack)"), md);
        assertTrue(md.contains("| Intra-op threads | 1, 2"), md);
        assertTrue(md.contains("| INT8 static QNNPACK (.pt) | LibTorch | nchw | 3.70 | 5.00 | 6.00 | 0.17× | 31.5 | 0.999500 | 90% | 4.2 | 3.7 |"), md);
        assertTrue(md.contains("### 2 threads, dummy input"), md);
        assertTrue(md.contains("another machine"), md);
        assertTrue(md.contains("![latency](latency.png)"), md);
        assertTrue(md.contains("PyTorch 1.13.0"), md);
        assertTrue(md.contains("| FP32 TorchScript (.pt) | 15.0 | 95.0 | 0.16× | nchw / nchw |"), md);
        assertTrue(md.contains("| mobile | skipped | — | the mobile export is not in this build yet |"), md);
        assertTrue(md.contains("**PASS**"), md);
        assertTrue(md.contains("- Fastest at 1 thread: INT8 static QNNPACK (.pt), 5.00 ms median, 6.0× faster than FP32 eager "
                + "and 3.0× faster than FP32 TorchScript."), md);
        assertTrue(md.contains("Best static INT8 engine here at 1 thread: QNNPACK (5.00 ms). Target: at least 3× faster than "
                + "FP32 TorchScript at 1 thread — 3.0×, met."), md);
        assertTrue(md.contains("Smallest file: INT8 static QNNPACK (.pt), 3.70 MB. Target: static INT8 files no larger than 3.7 MB "
                + "— largest 3.70 MB, met."), md);
    }

    @Test
    void trainedWeightsAreSaidToBeTrained() {
        StudyResult u = SampleResults.sample(false);
        StudyResult.ModelInfo trained = new StudyResult.ModelInfo("mobilenet_v2", 3_504_872, true, "weights w.pth", 0, "w.pth");
        StudyResult t = new StudyResult(u.created(), u.edgetorchVersion(), u.command(), u.machine(), trained, u.quick(),
                u.threads(), u.plan(), u.timer(), u.heldOut(), u.calibration(), u.stages(), u.variants(), u.latency(), u.verification(),
                null, u.notes(), u.accuracy(), u.labels());
        String md = ReportMarkdown.render(t, List.of());
        assertTrue(md.contains("**Trained weights.**"), md);
        assertFalse(md.contains("untrained"), md);
        assertFalse(md.contains("Side by side"), "no Python section without --with-python");
    }

    @Test
    void pythonUnavailableIsOneNoteNotAFailure() {
        StudyResult u = SampleResults.sample(false);
        StudyResult r = new StudyResult(u.created(), u.edgetorchVersion(), u.command(), u.machine(), u.weights(), u.quick(),
                u.threads(), u.plan(), u.timer(), u.heldOut(), u.calibration(), u.stages(), u.variants(), u.latency(), u.verification(),
                PythonResult.unavailable("no Python with torch and torchvision found"), u.notes(), u.accuracy(), u.labels());
        String md = ReportMarkdown.render(r, List.of());
        assertTrue(md.contains("Not run: no Python with torch and torchvision found"), md);
        JsonObject j = Json.parse(ReportJson.write(r, List.of())).getAsJsonObject();
        assertEquals("unavailable", j.getAsJsonObject("python").get("status").getAsString());
    }

    @Test
    void chartsAreReadablePngs() throws IOException {
        List<String> charts = ReportCharts.write(SampleResults.sample(true), dir);
        assertEquals(List.of(ReportCharts.LATENCY, ReportCharts.SIZE, ReportCharts.MEMORY), charts);
        for (String c : charts) checkPng(dir.resolve(c));
    }

    @Test
    void latencyChartTurnsLogarithmicOverAWideRange() throws IOException {
        StudyResult narrow = SampleResults.sample(false);
        assertFalse(ReportCharts.latencyChart(narrow).getCategoryPlot().getRangeAxis() instanceof org.jfree.chart.axis.LogAxis);
        List<Latency> wide = new java.util.ArrayList<>(narrow.latency());
        wide.replaceAll(l -> l.variant().equals(Variant.FP32_EAGER) && l.threads() == 2 ? SampleResults.lat(Variant.FP32_EAGER, 2, 2000, null) : l);
        StudyResult r = new StudyResult(narrow.created(), narrow.edgetorchVersion(), narrow.command(), narrow.machine(), narrow.weights(),
                narrow.quick(), narrow.threads(), narrow.plan(), narrow.timer(), narrow.heldOut(), narrow.calibration(), narrow.stages(), narrow.variants(), wide,
                narrow.verification(), null, narrow.notes(), narrow.accuracy(), narrow.labels());
        assertTrue(ReportCharts.latencyChart(r).getCategoryPlot().getRangeAxis() instanceof org.jfree.chart.axis.LogAxis);
        ReportCharts.write(r, dir);
        checkPng(dir.resolve(ReportCharts.LATENCY));
    }

    static void checkPng(Path file) throws IOException {
        byte[] head = new byte[8];
        try (var in = Files.newInputStream(file)) {
            assertEquals(8, in.read(head));
        }
        assertEquals((byte) 0x89, head[0]);
        assertEquals("PNG", new String(head, 1, 3, java.nio.charset.StandardCharsets.US_ASCII));
        BufferedImage img = ImageIO.read(file.toFile());
        assertNotNull(img, file + " decodes");
        assertEquals(ReportCharts.WIDTH, img.getWidth());
        assertTrue(img.getHeight() >= 300 && img.getHeight() <= 2400, "height " + img.getHeight());
        // not blank: a chart has many colours
        Set<Integer> colours = new java.util.HashSet<>();
        for (int y = 0; y < img.getHeight(); y += 7) for (int x = 0; x < img.getWidth(); x += 7) colours.add(img.getRGB(x, y));
        assertTrue(colours.size() > 5, file + " has only " + colours.size() + " colours");
    }
}
