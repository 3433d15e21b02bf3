package org.edgetorch.study;

import org.edgetorch.util.MachineInfo;
import com.google.gson.Gson;
import com.google.gson.GsonBuilder;
import org.edgetorch.tensor.Agreement;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * report.json: the study as data, schema {@value #SCHEMA}, described field by field in
 * README.md and src/site/markdown/measurement.md. Sizes in bytes, times in milliseconds. A number that does not exist is null
 * (e.g. the size of the eager model, or SQNR when outputs are identical: infinite).
 */
public final class ReportJson {
    /**
     * Bumped when a field changes meaning or disappears; new fields may appear within a version. 2: a latency row's
     * {@code peak_rss_bytes} (the shared, interleaved process) became {@code in_process_peak_rss_bytes}, and
     * {@code resources} (the variant alone in a child process: memory, CPU over all threads, energy) appeared. 3: a
     * latency row names the input layout its variant was measured with ({@code input_layout},
     * {@code input_conversion_ms}), so a reader sees which speed-ups come from the layout.
     */
    public static final String SCHEMA = "edgetorch.study/3";

    /** Like {@link org.edgetorch.util.Json}, but keeps null fields: the schema lists every field in every report. */
    private static final Gson GSON = new GsonBuilder().setPrettyPrinting().disableHtmlEscaping().serializeNulls().create();

    private ReportJson() {
    }

    public static String write(StudyResult r, List<String> charts) {
        return GSON.toJson(of(r, charts)) + "\n";
    }

    public static Map<String, Object> of(StudyResult r, List<String> charts) {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("schema", SCHEMA);
        m.put("created", r.created());
        m.put("edgetorch", r.edgetorchVersion());
        m.put("command", r.command());
        m.put("quick", r.quick());
        m.put("machine", machine(r.machine()));
        m.put("model", model(r.weights()));
        Map<String, Object> s = new LinkedHashMap<>();
        s.put("threads", r.threads());
        s.put("timer", r.timer());
        s.put("interleaved", true);
        s.put("warmup_runs", r.plan().warmupRuns());
        s.put("warmup_min_s", r.plan().warmupSeconds());
        s.put("runs", r.plan().runs());
        s.put("min_time_s", r.plan().minSeconds());
        s.put("latency_inputs", r.latencyInputs());
        s.put("dummy_input", "standard normal, java.util.Random(" + LatencyStage.DUMMY_SEED + "), [1, 3, 224, 224]");
        s.put("agreement_reference", Variant.FP32_EAGER);
        s.put("agreement_images", r.heldOut());
        s.put("calibration_images", r.calibration());
        m.put("settings", s);
        m.put("findings", Findings.of(r));
        m.put("stages", r.stages().stream().map(ReportJson::stage).toList());
        m.put("variants", r.variants().stream().map(ReportJson::variant).toList());
        m.put("latency", r.latency().stream().map(ReportJson::latency).toList());
        m.put("verification", r.verification());
        m.put("reference", reference(r.weights().arch()));
        m.put("python", r.python() == null ? null : python(r.python(), r));
        m.put("accuracy", accuracy(r));
        m.put("notes", r.notes());
        m.put("charts", charts);
        return m;
    }

    static Map<String, Object> machine(MachineInfo i) {
        return i.toJson();
    }

    static Map<String, Object> model(StudyResult.ModelInfo i) {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("arch", i.arch());
        m.put("parameters", i.parameters());
        m.put("trained_weights", i.trained());
        m.put("weights", i.origin());
        m.put("weights_file", i.weightsFile());
        m.put("seed", i.seed());
        m.put("note", ReportMarkdown.weightsSentence(i));
        return m;
    }

    static Map<String, Object> stage(StageRecord s) {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("name", s.name());
        m.put("status", s.status());
        m.put("seconds", s.seconds());
        m.put("message", s.message());
        return m;
    }

    static Map<String, Object> variant(Variant v) {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("id", v.id());
        m.put("label", v.label());
        m.put("stage", v.stage());
        m.put("format", v.format());
        m.put("runtime", v.runtime());
        m.put("precision", v.precision());
        m.put("engine", v.engine());
        m.put("file", v.file());
        m.put("bytes", v.bytes());
        m.put("agreement", v.agreement() == null ? null : agreement(v.agreement()));
        return m;
    }

    public static Map<String, Object> agreement(Agreement a) {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("samples", a.samples());
        m.put("sqnr_db", finite(a.sqnrDb()));
        m.put("cosine", finite(a.cosine()));
        m.put("top1", a.top1());
        m.put("top5", a.top5());
        m.put("max_abs_diff", finite(a.maxAbsDiff()));
        m.put("mean_abs_diff", finite(a.meanAbsDiff()));
        m.put("reference_max_abs", finite(a.referenceMaxAbs()));
        return m;
    }

    static Map<String, Object> latency(Latency l) {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("variant", l.variant());
        m.put("threads", l.threads());
        m.put("input", l.input());
        m.put("runs", l.runs());
        m.put("warmup_runs", l.warmupRuns());
        m.put("median_ms", l.medianMs());
        m.put("p10_ms", l.p10Ms());
        m.put("p90_ms", l.p90Ms());
        m.put("p99_ms", l.p99Ms());
        m.put("mean_ms", l.meanMs());
        m.put("stdev_ms", l.stdevMs());
        m.put("min_ms", l.minMs());
        m.put("max_ms", l.maxMs());
        m.put("load_ms", l.loadMs());
        m.put("first_inference_ms", l.firstMs());
        m.put("in_process_peak_rss_bytes", l.peakRssBytes());
        m.put("ratio_to_fp32_eager", l.ratioToEager());
        m.put("timer", l.timer());
        m.put("input_layout", l.inputLayout());
        m.put("input_conversion_ms", l.inputConversionMs());
        m.put("resources", l.resources() == null ? null : l.resources().toJson());
        return m;
    }

    /** Null without labelled images. */
    static Map<String, Object> accuracy(StudyResult r) {
        if (r.labels() == null) return null;
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("labels", r.labels());
        m.put("images", r.heldOut().size());
        m.put("trained_weights", r.weights().trained());
        m.put("note", r.weights().trained() ? null : "untrained weights: the accuracy figures are meaningless");
        List<Map<String, Object>> vs = new ArrayList<>();
        r.accuracy().forEach((id, a) -> {
            Map<String, Object> e = new LinkedHashMap<>();
            e.put("variant", id);
            e.put("top1", a.top1());
            e.put("top5", a.top5());
            vs.add(e);
        });
        m.put("variants", vs);
        return m;
    }

    static Map<String, Object> reference(String arch) {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("source", ReferenceFigures.SOURCE);
        m.put("arch", ReferenceFigures.ARCH);
        m.put("same_machine", false);
        List<Map<String, Object>> figures = new ArrayList<>();
        for (ReferenceFigures.Figure f : ReferenceFigures.ARCH.equals(arch) ? ReferenceFigures.FIGURES : List.<ReferenceFigures.Figure>of()) {
            Map<String, Object> e = new LinkedHashMap<>();
            e.put("variant", f.variant());
            e.put("latency_ms", f.latencyMs());
            e.put("size_mb", f.sizeMb());
            figures.add(e);
        }
        m.put("figures", figures);
        return m;
    }

    static Map<String, Object> python(PythonResult p, StudyResult r) {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("status", p.status());
        m.put("message", p.message());
        m.put("python", p.python());
        m.put("torch", p.torch());
        m.put("torchvision", p.torchvision());
        m.put("quantized_engines", p.quantizedEngines());
        m.put("variants", p.variants().stream().map(ReportJson::variant).toList());
        m.put("latency", p.latency().stream().map(ReportJson::latency).toList());
        List<Map<String, Object>> ratios = new ArrayList<>();
        for (Latency py : p.latency()) {
            Latency java = r.latency(py.variant(), py.threads(), py.input());
            if (java == null) continue;
            Map<String, Object> e = new LinkedHashMap<>();
            e.put("variant", py.variant());
            e.put("threads", py.threads());
            e.put("input", py.input());
            e.put("edgetorch_median_ms", java.medianMs());
            e.put("python_median_ms", py.medianMs());
            e.put("ratio_edgetorch_to_python", java.medianMs() / py.medianMs());
            ratios.add(e);
        }
        m.put("ratios", ratios);
        m.put("notes", p.notes());
        return m;
    }

    private static Double finite(double v) {
        return Double.isFinite(v) ? v : null;
    }
}
