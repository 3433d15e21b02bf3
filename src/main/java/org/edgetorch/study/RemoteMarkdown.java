package org.edgetorch.study;

import org.edgetorch.crosscheck.CrossComparison;
import org.edgetorch.remote.Fleet;
import org.edgetorch.remote.HostResult;
import org.edgetorch.tensor.Agreement;

import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * report.md of {@code edgetorch remote}: every board against the x86 reference in the study report's style
 * (the same tables and number formats as {@code compare --markdown}, which also renders each board's section).
 */
public final class RemoteMarkdown {
    private RemoteMarkdown() {
    }

    public static String render(Fleet f, List<String> charts) {
        Map<String, Object> ref = f.reference().machine();
        StringBuilder b = new StringBuilder();
        int boards = f.hosts().size();
        b.append("# edgetorch remote: ").append(boards).append(boards == 1 ? " board" : " boards").append(" against ")
                .append(ref.get("platform")).append("\n\n");
        b.append("Reference: ").append(ref.get("platform")).append(", ").append(ref.get("cpu")).append(", ")
                .append(ref.get("backend")).append(" LibTorch ").append(ref.get("libtorch"))
                .append(f.referenceSource().equals("here") ? ", benchmarked by this run" : ", from `" + f.referenceFile() + "`")
                .append(". Created ").append(f.created()).append(" by ").append(f.edgetorch()).append(".\n\n");
        b.append("Every board ran `bench --save-io --replay` on the same model files (SHA-256 checked) and on the reference's "
                + "input tensors: ").append(ReportMarkdown.fmt("dummy input %s (seed 0), %d warm-up and at least %d measured runs, %s.",
                f.plan().shape(), f.plan().warmup(), f.plan().runs(), ReportMarkdown.threads(f.plan().threads()))).append("\n\n");

        b.append("## Boards\n\n");
        MarkdownTable t = new MarkdownTable("Board", "Result", "Architecture", "Java", "LibTorch", "ONNX Runtime", ">Files sent",
                ">Seconds");
        for (Fleet.Entry e : f.hosts()) {
            HostResult r = e.result();
            Map<String, Object> info = r.info();
            long sent = r.copies().stream().filter(c -> !c.skipped()).count();
            t.row(r.host().label(), !r.ok() ? "failed at " + r.failedStep() : e.problems().isEmpty() ? "ok" : "beyond bounds",
                    r.arch(), r.java(), info == null ? (r.infoError() == null ? null : "none: " + r.infoError())
                            : info.get("backend") + " " + info.get("libtorch"),
                    info == null ? null : info.get("onnxruntime"),
                    r.copies().isEmpty() ? null : sent + " of " + r.copies().size(), ReportMarkdown.fmt("%.1f", r.seconds()));
        }
        b.append(t.render()).append('\n');
        List<String> problems = f.problems();
        if (problems.isEmpty()) {
            b.append("**Every board ran every variant, within bounds.**\n\n");
        } else {
            b.append("**Problems:**\n\n");
            for (String p : problems) b.append("- ").append(p).append('\n');
            b.append('\n');
        }

        List<Fleet.Entry> compared = new ArrayList<>();
        for (Fleet.Entry e : f.hosts()) if (e.comparison() != null) compared.add(e);
        Set<String> variants = new LinkedHashSet<>();
        for (var v : f.reference().variants()) variants.add(v.name());
        for (Fleet.Entry e : compared) for (CrossComparison.VariantResult v : e.comparison().variants()) variants.add(v.name());

        if (!compared.isEmpty()) {
            b.append("## Latency (median)\n\n");
            List<String> cols = new ArrayList<>(List.of("Variant", ">Reference ms"));
            for (Fleet.Entry e : compared) cols.add(">" + e.result().host().label() + " ms (× reference)");
            MarkdownTable l = new MarkdownTable(cols.toArray(String[]::new));
            for (String name : variants) {
                List<Object> row = new ArrayList<>();
                row.add(name);
                var rv = f.reference().variant(name);
                row.add(rv == null || rv.latency() == null ? null : ReportMarkdown.ms(rv.latency().medianMs()));
                for (Fleet.Entry e : compared) {
                    CrossComparison.VariantResult v = find(e.comparison(), name);
                    row.add(v == null || v.otherMedianMs() == null ? null : ReportMarkdown.ms(v.otherMedianMs())
                            + (Double.isNaN(v.latencyRatio()) ? "" : " (" + ReportMarkdown.ratio(v.latencyRatio()) + ")"));
                }
                l.row(row.toArray());
            }
            b.append(l.render()).append('\n');
            if (charts.contains(RemoteChart.LATENCY)) b.append("![Latency per board and variant](").append(RemoteChart.LATENCY).append(")\n\n");
            boolean emulated = compared.stream().anyMatch(e -> e.comparison().other().get("emulation") != null);
            if (emulated) b.append("> A board ran under emulation: its latency says nothing about real hardware.\n\n");

            b.append("## Model difference (same input tensors)\n\n");
            MarkdownTable a = new MarkdownTable("Board", "Variant", ">Samples", ">Max abs diff", ">Cosine", ">Top-1", ">Top-5", "Within bounds");
            for (Fleet.Entry e : compared) {
                for (CrossComparison.VariantResult v : e.comparison().variants()) {
                    Agreement x = v.model();
                    a.row(e.result().host().label(), v.name() + (v.quantized() ? " (INT8)" : ""), x == null ? null : x.samples(),
                            x == null ? null : ReportMarkdown.small(x.maxAbsDiff()), x == null ? null : ReportMarkdown.fmt("%.7f", x.cosine()),
                            x == null ? null : ReportMarkdown.pct(x.top1()), x == null ? null : ReportMarkdown.pct(x.top5()),
                            v.problems().isEmpty() ? "yes" : "no: " + String.join("; ", v.problems()));
                }
            }
            b.append(a.render()).append('\n');
        }

        for (Fleet.Entry e : compared) {
            b.append("## ").append(e.result().host().label()).append("\n\n");
            String section = CompareMarkdown.render(e.comparison(), "io/reference.json", e.ioFile());
            for (String line : section.split("\n", -1)) {
                if (line.startsWith("# ")) continue;  // the board's own title: this section's heading says it
                b.append(line.startsWith("## ") ? "#" + line : line).append('\n');
            }
        }
        return b.toString().replaceAll("\n{3,}", "\n\n");
    }

    private static CrossComparison.VariantResult find(CrossComparison.Result r, String name) {
        for (CrossComparison.VariantResult v : r.variants()) if (v.name().equals(name)) return v;
        return null;
    }
}
