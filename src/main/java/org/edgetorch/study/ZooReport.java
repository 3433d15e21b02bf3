package org.edgetorch.study;

import com.google.gson.Gson;
import com.google.gson.GsonBuilder;
import org.edgetorch.tensor.Agreement;
import org.edgetorch.util.AtomicFiles;
import org.edgetorch.util.MachineInfo;
import org.jfree.chart.ChartUtils;
import org.jfree.chart.JFreeChart;
import org.jfree.chart.renderer.category.BarRenderer;
import org.jfree.chart.title.TextTitle;
import org.jfree.data.category.DefaultCategoryDataset;

import java.awt.Color;
import java.awt.Font;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * {@code edgetorch zoo}'s report folder: report.md (one table, a row per model and variant), report.json (schema
 * {@value #SCHEMA}) and latency.png (median latency per model, a bar per variant).
 */
public final class ZooReport {
    public static final String SCHEMA = "edgetorch.zoo/1";
    public static final String CHART = "latency.png";
    /** Below this SQNR against FP32 an INT8 row is called poor: its logits carry less than 10x more signal than noise. */
    public static final double POOR_SQNR_DB = 10;
    private static final Gson GSON = new GsonBuilder().setPrettyPrinting().disableHtmlEscaping().serializeNulls().create();
    private static final Color[] COLORS = {new Color(0x9e9e9e), new Color(0x1f77b4), new Color(0x6baed6), new Color(0x08519c),
            new Color(0x9ecae1), new Color(0x2ca02c), new Color(0x98df8a), new Color(0xff7f0e), new Color(0xfdae6b)};

    static {
        if (System.getProperty("java.awt.headless") == null) System.setProperty("java.awt.headless", "true");
    }

    private ZooReport() {
    }

    /** Writes the three files into the folder's staging area and moves it into place. */
    public static void write(ZooResult r, ReportFolder folder) {
        java.nio.file.Path dir = folder.staging();
        JFreeChart chart = chart(r);
        List<String> charts = new ArrayList<>();
        if (chart != null) {
            int bars = chart.getCategoryPlot().getDataset().getColumnCount() * chart.getCategoryPlot().getDataset().getRowCount();
            int height = Math.max(360, Math.min(2400, 170 + 14 * bars));
            AtomicFiles.write(dir.resolve(CHART), tmp -> ChartUtils.saveChartAsPNG(tmp.toFile(), chart, ReportCharts.WIDTH, height));
            charts.add(CHART);
        }
        AtomicFiles.writeString(dir.resolve(StudyReport.JSON), GSON.toJson(json(r, charts)) + "\n");
        AtomicFiles.writeString(dir.resolve(StudyReport.MARKDOWN), markdown(r, charts));
        folder.commit();
    }

    static String markdown(ZooResult r, List<String> charts) {
        MachineInfo mi = r.machine();
        StringBuilder b = new StringBuilder();
        b.append("# edgetorch zoo on ").append(mi.cpuModel()).append("\n\n");
        b.append("Measured ").append(r.created()).append(" by ").append(r.edgetorchVersion()).append(" with `")
                .append(r.command()).append("`, on ").append(mi.platform()).append(", LibTorch ").append(mi.libtorch())
                .append(", ").append(ReportMarkdown.threads(r.threads())).append(", load average ")
                .append(String.format(Locale.ROOT, "%.2f", mi.loadAverage())).append(" at start.\n");
        if (r.quick()) b.append("\n**Quick run** (`--quick`): few runs and photos — the figures are indicative only.\n");
        boolean untrained = r.models().stream().anyMatch(e -> e.study() != null && !e.study().weights().trained());
        if (untrained) {
            b.append("\n> **Untrained weights** in at least one model (see the *Weights* column): the agreement figures still compare "
                    + "each file with its own FP32 model on identical weights, but no accuracy figure means anything.\n");
        }
        b.append("\nEach model's FP32 TorchScript file is the reference: *FP32 diff* is the largest difference of a variant's "
                + "logits from it on the held-out photos, relative to the largest logit (the exporters refuse beyond 1e-4); "
                + "*SQNR* and *top-1* compare INT8 variants with it. *Speed-up*: the FP32 file's median over the variant's, "
                + "timed interleaved with the same model's other variants (dummy input).\n\n");

        MarkdownTable t = new MarkdownTable("Model", ">Params (M)", "Weights", "Variant", "Runtime", ">Size MB", ">Median ms",
                ">Speed-up", ">FP32 diff", ">SQNR dB", ">Top-1 agr.", "Note");
        List<String> poor = new ArrayList<>();
        for (ZooResult.Entry e : r.models()) {
            if (e.study() == null) {
                t.row(e.name(), null, null, null, null, null, null, null, null, null, null, "not studied: " + e.error());
                continue;
            }
            StudyResult.ModelInfo m = e.study().weights();
            String params = String.format(Locale.ROOT, "%.2f", m.parameters() / 1e6);
            String weights = m.trained() ? "trained" : "untrained";
            Latency base = e.latency(Variant.FP32_TORCHSCRIPT);
            boolean first = true;
            for (Variant v : e.variants()) {
                Latency l = e.latency(v.id());
                Agreement a = v.agreement();
                boolean fp32 = v.precision().equals("fp32");
                boolean reference = v.id().equals(Variant.FP32_TORCHSCRIPT);
                String note = null;
                if (!fp32 && a != null && a.sqnrDb() < POOR_SQNR_DB) {
                    note = "poor INT8 fidelity";
                    poor.add(e.name() + " " + v.label() + String.format(Locale.ROOT, " (%.1f dB)", a.sqnrDb()));
                }
                t.row(first ? e.name() : "", first ? params : "", first ? weights : "", v.label(), v.runtime(),
                        ReportMarkdown.mb(v.bytes()), l == null ? null : ReportMarkdown.ms(l.medianMs()),
                        l == null || base == null ? null : String.format(Locale.ROOT, "%.2f×", base.medianMs() / l.medianMs()),
                        reference ? "(reference)" : fp32 && a != null ? ReportMarkdown.small(a.relativeMaxAbsDiff()) : null,
                        reference || fp32 || a == null ? null : ReportMarkdown.sqnr(a.sqnrDb()),
                        reference || a == null ? null : ReportMarkdown.pct(a.top1()), note);
                first = false;
            }
            for (StageRecord s : e.failedStages()) {
                t.row(first ? e.name() : "", first ? params : "", first ? weights : "", "stage " + s.name(), null, null, null, null,
                        null, null, null, "failed: " + s.message());
                first = false;
            }
        }
        b.append(t.render());
        for (ZooResult.Entry e : r.models()) {
            if (e.study() == null) continue;
            // an engine refused on this machine (oneDNN where it would abort) and the one used instead
            for (String n : e.study().notes()) if (n.startsWith(QuantizeStaticStage.FELL_BACK)) b.append("\n").append(e.name()).append(": ").append(n).append('\n');
        }
        if (!poor.isEmpty()) {
            b.append("\nPoor INT8 fidelity (SQNR below ").append((int) POOR_SQNR_DB).append(" dB against FP32): ")
                    .append(String.join("; ", poor)).append(". Plain post-training quantization (one calibration, per-channel "
                            + "weights, per-tensor activations) is known to suit some architectures badly — EfficientNet's "
                            + "SiLU and squeeze-and-excitation gates and MobileNet-V3's hardswish among them; quantization-aware "
                            + "training or keeping those layers in float are the usual remedies.\n");
        }
        for (String c : charts) b.append("\n![latency](").append(c).append(")\n");
        return b.toString();
    }

    static Map<String, Object> json(ZooResult r, List<String> charts) {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("schema", SCHEMA);
        m.put("created", r.created());
        m.put("edgetorch", r.edgetorchVersion());
        m.put("command", r.command());
        m.put("machine", ReportJson.machine(r.machine()));
        m.put("quick", r.quick());
        m.put("threads", r.threads());
        m.put("input", "dummy");
        List<Object> models = new ArrayList<>();
        for (ZooResult.Entry e : r.models()) {
            Map<String, Object> o = new LinkedHashMap<>();
            o.put("name", e.name());
            o.put("file", e.file());
            o.put("error", e.error());
            if (e.study() != null) {
                o.put("model", ReportJson.model(e.study().weights()));
                o.put("stages", e.study().stages().stream().map(ReportJson::stage).toList());
                o.put("notes", e.study().notes());
                List<Object> variants = new ArrayList<>();
                for (Variant v : e.variants()) {
                    Map<String, Object> vj = ReportJson.variant(v);
                    Latency l = e.latency(v.id());
                    vj.put("latency", l == null ? null : ReportJson.latency(l));
                    variants.add(vj);
                }
                o.put("variants", variants);
            }
            models.add(o);
        }
        m.put("models", models);
        m.put("charts", charts);
        return m;
    }

    /** Median latency per model (categories), a series per variant kind; null when nothing was timed. */
    static JFreeChart chart(ZooResult r) {
        DefaultCategoryDataset data = new DefaultCategoryDataset();
        Map<String, Integer> seriesColor = new LinkedHashMap<>();
        for (ZooResult.Entry e : r.models()) {
            for (Variant v : e.variants()) {
                Latency l = e.latency(v.id());
                if (l == null) continue;
                data.addValue(l.medianMs(), v.label(), e.name());
                seriesColor.putIfAbsent(v.label(), ZooResult.VARIANTS.indexOf(v.id()));
            }
        }
        if (data.getRowCount() == 0) return null;
        List<Color> colors = new ArrayList<>();
        for (int s = 0; s < data.getRowCount(); s++) {
            Integer k = seriesColor.get((String) data.getRowKey(s));
            colors.add(COLORS[Math.floorMod(k == null ? s : k, COLORS.length)]);
        }
        BarRenderer renderer = new BarRenderer();
        JFreeChart chart = ReportCharts.chart("Latency per model and variant", data, renderer, colors, "milliseconds (median)");
        renderer.setItemMargin(0.03);  // many variants per model: thinner gaps
        chart.addSubtitle(new TextTitle(r.machine().cpuModel() + ", " + ReportMarkdown.threads(r.threads()) + ", dummy input"
                + (r.quick() ? "; quick run (indicative only)" : ""), new Font("SansSerif", Font.PLAIN, 12)));
        return chart;
    }
}
