package org.edgetorch.study;

import org.edgetorch.crosscheck.CrossComparison;
import org.edgetorch.tensor.Agreement;

import java.util.Map;

/**
 * {@code compare --markdown}: two machines' outputs and latency as a Markdown report in the study
 * report's style (same tables, same number formats), so both read alike side by side.
 */
public final class CompareMarkdown {
    private CompareMarkdown() {
    }

    public static String render(CrossComparison.Result r, String refFile, String otherFile) {
        Map<String, Object> ref = r.reference(), oth = r.other();
        StringBuilder b = new StringBuilder();
        b.append("# edgetorch compare: ").append(oth.get("platform")).append(" against ").append(ref.get("platform")).append("\n\n");
        MarkdownTable m = new MarkdownTable("", "Reference", "Other");
        m.row("File", "`" + refFile + "`", "`" + otherFile + "`");
        m.row("Platform", ref.get("platform"), oth.get("platform"));
        m.row("CPU", ref.get("cpu"), oth.get("cpu"));
        m.row("LibTorch", ref.get("backend") + " LibTorch " + ref.get("libtorch"), oth.get("backend") + " LibTorch " + oth.get("libtorch"));
        m.row("Quantized engine", ref.get("quantized_engine"), oth.get("quantized_engine"));
        m.row("Threads", ref.get("threads"), oth.get("threads"));
        m.row("Emulation", ref.get("emulation") == null ? "no" : ref.get("emulation"), oth.get("emulation") == null ? "no" : oth.get("emulation"));
        b.append(m.render()).append('\n');
        if (ref.get("emulation") != null || oth.get("emulation") != null) {
            b.append("> One machine ran under emulation: its latency says nothing about real hardware.\n\n");
        }
        b.append("**").append(r.withinBounds() ? "Within bounds." : "Beyond bounds:").append("**");
        if (r.withinBounds()) {
            b.append(" Every variant agrees across the two machines within the bounds.\n\n");
        } else {
            b.append("\n\n");
            for (String p : r.problems()) b.append("- ").append(p).append('\n');
            b.append('\n');
        }

        b.append("## Model difference\n\n");
        MarkdownTable a = new MarkdownTable("Variant", ">Samples", ">Max abs diff", ">Cosine", ">SQNR dB", ">Top-1", ">Top-5",
                ">End-to-end cosine", ">End-to-end top-1");
        for (CrossComparison.VariantResult v : r.variants()) {
            Agreement x = v.model(), e = v.endToEnd();
            a.row(v.name() + (v.quantized() ? " (INT8)" : ""), x == null ? null : x.samples(),
                    x == null ? null : ReportMarkdown.small(x.maxAbsDiff()), x == null ? null : ReportMarkdown.fmt("%.7f", x.cosine()),
                    x == null ? null : ReportMarkdown.sqnr(x.sqnrDb()), x == null ? null : ReportMarkdown.pct(x.top1()),
                    x == null ? null : ReportMarkdown.pct(x.top5()), e == null ? null : ReportMarkdown.fmt("%.7f", e.cosine()),
                    e == null ? null : ReportMarkdown.pct(e.top1()));
        }
        b.append(a.render()).append('\n');
        b.append("Model difference: both machines ran the same input tensors. End-to-end: each machine preprocessed the "
                + "images itself.\n\n");

        MarkdownTable l = new MarkdownTable("Variant", ">Reference ms", ">Other ms", ">Other / reference",
                ">Ratio to first (reference)", ">Ratio to first (other)");
        for (CrossComparison.VariantResult v : r.variants()) {
            if (v.refMedianMs() == null && v.otherMedianMs() == null) continue;
            l.row(v.name(), v.refMedianMs() == null ? null : ReportMarkdown.ms(v.refMedianMs()),
                    v.otherMedianMs() == null ? null : ReportMarkdown.ms(v.otherMedianMs()),
                    Double.isNaN(v.latencyRatio()) ? null : ReportMarkdown.ratio(v.latencyRatio()),
                    ReportMarkdown.ratio(v.refRatioToFirst()), ReportMarkdown.ratio(v.otherRatioToFirst()));
        }
        if (!l.isEmpty()) {
            b.append("## Latency (median)\n\n").append(l.render()).append('\n');
        }

        b.append("## Preprocessing\n\n");
        if (r.preprocessing().isEmpty()) {
            b.append("No image on both sides.\n\n");
        } else {
            MarkdownTable p = new MarkdownTable("Image", "Tensors", ">Max abs diff", ">Mean abs diff");
            for (CrossComparison.InputDiff d : r.preprocessing()) {
                p.row(d.image(), d.identical() ? "identical" : "differ", ReportMarkdown.small(d.maxAbsDiff()),
                        ReportMarkdown.small(d.meanAbsDiff()));
            }
            b.append("Each machine decoded and resized the same image itself.\n\n").append(p.render()).append('\n');
        }
        StringBuilder notes = new StringBuilder();
        for (CrossComparison.VariantResult v : r.variants()) {
            for (String n : v.notes()) notes.append("- ").append(v.name()).append(": ").append(n).append('\n');
        }
        if (notes.length() > 0) b.append("## Notes\n\n").append(notes).append('\n');
        return b.toString();
    }
}
