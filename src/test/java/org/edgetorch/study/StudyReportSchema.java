package org.edgetorch.study;

import com.google.gson.JsonElement;
import com.google.gson.JsonObject;

import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The fields of edgetorch.study/3 that src/site/markdown/study.md promises, checked on any report.json. */
final class StudyReportSchema {
    private StudyReportSchema() {
    }

    static void check(JsonObject j) {
        assertEquals("edgetorch.study/3", j.get("schema").getAsString());
        has(j, "created", "edgetorch", "command", "quick", "machine", "model", "settings", "findings", "stages", "variants", "latency",
                "verification", "reference", "python", "accuracy", "notes", "charts");
        has(j.getAsJsonObject("machine"), "cpu", "cpus", "os", "platform", "java", "libtorch", "backend", "quantized_engines", "xnnpack", "load_average");
        has(j.getAsJsonObject("model"), "arch", "parameters", "trained_weights", "weights", "weights_file", "seed", "note");
        has(j.getAsJsonObject("settings"), "threads", "timer", "interleaved", "warmup_runs", "warmup_min_s", "runs", "min_time_s",
                "latency_inputs", "dummy_input", "agreement_reference", "agreement_images", "calibration_images");
        for (JsonElement s : j.getAsJsonArray("stages")) {
            has(s.getAsJsonObject(), "name", "status", "seconds", "message");
            assertTrue(List.of("ran", "skipped", "failed").contains(s.getAsJsonObject().get("status").getAsString()));
        }
        assertTrue(j.getAsJsonArray("variants").size() >= 1);
        for (JsonElement v : j.getAsJsonArray("variants")) {
            JsonObject o = v.getAsJsonObject();
            has(o, "id", "label", "stage", "format", "precision", "engine", "file", "bytes", "agreement");
            if (!o.get("agreement").isJsonNull()) {
                has(o.getAsJsonObject("agreement"), "samples", "sqnr_db", "cosine", "top1", "top5", "max_abs_diff", "mean_abs_diff");
            }
        }
        for (JsonElement l : j.getAsJsonArray("latency")) {
            JsonObject o = l.getAsJsonObject();
            has(o, "variant", "threads", "input", "runs", "warmup_runs", "median_ms", "p10_ms", "p90_ms", "p99_ms", "mean_ms",
                    "stdev_ms", "min_ms", "max_ms", "load_ms", "first_inference_ms", "in_process_peak_rss_bytes", "ratio_to_fp32_eager", "timer",
                    "resources", "input_layout", "input_conversion_ms");
            if (!o.get("input_layout").isJsonNull()) {
                assertTrue(List.of("nchw", "nhwc").contains(o.get("input_layout").getAsString()), o.toString());
            }
            if (!o.get("resources").isJsonNull() && !o.getAsJsonObject("resources").has("error")) {
                has(o.getAsJsonObject("resources"), "measured_in", "rss_before_load_bytes", "rss_after_load_bytes", "peak_rss_bytes",
                        "runs", "wall_s", "cpu_s", "cpu_ms_per_inference", "cpu_utilization", "cpu_source", "median_ms_alone", "energy");
            }
            assertTrue(o.get("p10_ms").getAsDouble() <= o.get("median_ms").getAsDouble());
            assertTrue(o.get("median_ms").getAsDouble() <= o.get("p90_ms").getAsDouble());
        }
        has(j.getAsJsonObject("reference"), "source", "arch", "same_machine", "figures");
        if (!j.get("python").isJsonNull()) {
            has(j.getAsJsonObject("python"), "status", "message", "python", "torch", "torchvision", "quantized_engines",
                    "variants", "latency", "ratios", "notes");
        }
    }

    private static void has(JsonObject o, String... keys) {
        for (String k : keys) assertTrue(o.has(k), "missing field " + k + " in " + o.keySet());
    }
}
