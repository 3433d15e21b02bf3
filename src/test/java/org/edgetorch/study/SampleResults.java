package org.edgetorch.study;

import org.edgetorch.util.MachineInfo;
import org.edgetorch.tensor.Agreement;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/** A made-up study result with every kind of row, for the report's renderers (no LibTorch needed). */
final class SampleResults {
    private SampleResults() {
    }

    static final Agreement CLOSE = new Agreement(10, 0.05, 0.01, 0.9995, 31.5, 0.9, 1.0, 12.5);

    static StudyResult sample(boolean withPython) {
        List<Variant> variants = List.of(
                new Variant(Variant.FP32_EAGER, "FP32 eager (Java)", "model", "eager", "fp32", null, null, null, null),
                new Variant(Variant.FP32_TORCHSCRIPT, "FP32 TorchScript (.pt)", "export", "torchscript", "fp32", null,
                        "models/mobilenet_v2_fp32.pt", 14_270_000L, new Agreement(10, 0, 0, 1, Double.POSITIVE_INFINITY, 1, 1, 12.5)),
                new Variant(Variant.int8Static("qnnpack"), "INT8 static QNNPACK (.pt)", "quantize-static", "torchscript", "int8",
                        "qnnpack", "models/mobilenet_v2_int8_qnnpack.pt", 3_700_000L, CLOSE));
        List<Latency> latency = new ArrayList<>();
        for (int threads : List.of(1, 2)) {
            double scale = threads == 1 ? 1 : 0.6;
            latency.add(lat(Variant.FP32_EAGER, threads, 30 * scale, null));
            latency.add(lat(Variant.FP32_TORCHSCRIPT, threads, 15 * scale, 120.0));
            latency.add(lat(Variant.int8Static("qnnpack"), threads, 5 * scale, 40.0));
        }
        // resource runs at 1 thread: 400 MiB peak for eager, 200 for TorchScript; no energy meter
        for (int k = 0; k < 2; k++) {
            long peak = (k == 0 ? 400L : 200L) << 20;
            Latency l = latency.get(k);
            latency.set(k, l.withResources(new org.edgetorch.bench.ResourceUsage(100L << 20, peak - (50L << 20), peak, 100, 3.0, 4.5,
                    l.medianMs(), null, "no energy meter: none on the test machine", "sum of /proc/self/task/*/schedstat", null)));
        }
        List<StageRecord> stages = List.of(new StageRecord("model", StageRecord.RAN, 4.2, null),
                new StageRecord("mobile", StageRecord.SKIPPED, 0, "the mobile export is not in this build yet"),
                new StageRecord("latency", StageRecord.RAN, 20, null));
        Map<String, Object> verification = new LinkedHashMap<>();
        Map<String, Object> v = new LinkedHashMap<>();
        v.put("model", "models/mobilenet_v2_fp32.pt");
        v.put("reference", Variant.FP32_EAGER);
        v.put("tolerance", 1e-4);
        v.put("passed", true);
        v.put("max_abs_diff", 0.0);
        verification.put(Variant.FP32_TORCHSCRIPT, v);
        PythonResult python = null;
        if (withPython) {
            python = new PythonResult("ran", null, "/usr/bin/python3 (Python 3.11.2)", "1.13.0", "0.14.1", List.of("qnnpack", "onednn"),
                    List.of(new Variant(Variant.FP32_EAGER, "FP32 eager (PyTorch)", "python", "eager", "fp32", null, null, null, null),
                            new Variant(Variant.FP32_TORCHSCRIPT, "FP32 TorchScript (.pt)", "python", "torchscript", "fp32",
                                    null, "models/python/mobilenet_v2_fp32.pt", 14_540_000L, CLOSE)),
                    List.of(lat(Variant.FP32_EAGER, 1, 100, null), lat(Variant.FP32_TORCHSCRIPT, 1, 95, 300.0)),
                    List.of("a note from the Python side"));
        }
        return new StudyResult("2026-11-25T22:00:00Z", "edgetorch 0.1.0", "java -jar target/edgetorch.jar study --threads 1,2",
                new MachineInfo("Test CPU", 2, "Linux 6.1", "linux-x86_64", "OpenJDK 17", null, "2.10.0", "bytedeco",
                        List.of("qnnpack", "onednn", "x86", "fbgemm"), true, 0.5),
                new StudyResult.ModelInfo("mobilenet_v2", 3_504_872, false, "seeded initialization (seed 0)", 0, null),
                false, List.of(1, 2), LatencyPlan.FULL, "java System.nanoTime", List.of("a.jpg", "b.png"), List.of("c.jpg"), stages, variants,
                withRatios(latency), verification, python, List.of("a note"),
                Map.of(Variant.FP32_EAGER, new org.edgetorch.tensor.Accuracy(2, 0.5, 1.0)), "class folders (class indices)");
    }

    private static List<Latency> withRatios(List<Latency> all) {
        List<Latency> out = new ArrayList<>();
        for (int t : List.of(1, 2)) out.addAll(LatencyStage.withRatios(all.stream().filter(l -> l.threads() == t).toList()));
        return out;
    }

    static Latency lat(String variant, int threads, double median, Double loadMs) {
        return lat(variant, threads, median, loadMs, "nchw", 0.0);
    }

    static Latency lat(String variant, int threads, double median, Double loadMs, String layout, Double conversionMs) {
        return new Latency(variant, threads, "dummy", 100, 10, median, median * 0.9, median * 1.2, median * 1.5, median * 1.02,
                median * 0.1, median * 0.85, median * 1.7, loadMs, median * 3, null, null, "test", null, layout, conversionMs);
    }
}
