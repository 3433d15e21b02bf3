package org.edgetorch.crosscheck;

import org.edgetorch.tensor.Agreement;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/** {@code compare}'s output: a table for people, JSON (schema {@value #SCHEMA}) for machines. */
public final class CompareReport {
    public static final String SCHEMA = "edgetorch.compare/1";

    private CompareReport() {
    }

    public static String table(CrossComparison.Result r, String refFile, String otherFile) {
        StringBuilder s = new StringBuilder();
        s.append("reference: ").append(machine(r.reference())).append("  (").append(refFile).append(")\n");
        s.append("other:     ").append(machine(r.other())).append("  (").append(otherFile).append(")\n\n");
        s.append("preprocessing (each machine decodes and resizes the same image itself):\n");
        if (r.preprocessing().isEmpty()) s.append("  no image on both sides\n");
        for (CrossComparison.InputDiff d : r.preprocessing()) {
            s.append(String.format(Locale.ROOT, "  %-28s %s%n", d.image(), d.identical() ? "identical tensors"
                    : String.format(Locale.ROOT, "max abs diff %.3g, mean abs diff %.3g", d.maxAbsDiff(), d.meanAbsDiff())));
        }
        s.append("\nmodel difference (same input tensors on both machines) and end-to-end (each machine's own preprocessing):\n");
        s.append(String.format(Locale.ROOT, "  %-24s %3s %10s %10s %6s %6s | %10s %6s | %9s %9s %7s%n",
                "variant", "n", "max|diff|", "cosine", "top-1", "top-5", "e2e cos", "e2e t1", "ref ms", "other ms", "ratio"));
        for (CrossComparison.VariantResult v : r.variants()) {
            Agreement m = v.model(), e = v.endToEnd();
            s.append(String.format(Locale.ROOT, "  %-24s %3s %10s %10s %6s %6s | %10s %6s | %9s %9s %7s%n",
                    v.name() + (v.quantized() ? " (q)" : ""),
                    m == null ? "-" : String.valueOf(m.samples()),
                    m == null ? "-" : String.format(Locale.ROOT, "%.3g", m.maxAbsDiff()),
                    m == null ? "-" : String.format(Locale.ROOT, "%.7f", m.cosine()),
                    m == null ? "-" : String.format(Locale.ROOT, "%.2f", m.top1()),
                    m == null ? "-" : String.format(Locale.ROOT, "%.2f", m.top5()),
                    e == null ? "-" : String.format(Locale.ROOT, "%.7f", e.cosine()),
                    e == null ? "-" : String.format(Locale.ROOT, "%.2f", e.top1()),
                    ms(v.refMedianMs()), ms(v.otherMedianMs()),
                    Double.isNaN(v.latencyRatio()) ? "-" : String.format(Locale.ROOT, "%.2fx", v.latencyRatio())));
        }
        for (CrossComparison.VariantResult v : r.variants()) {
            for (String n : v.notes()) s.append("  note: ").append(v.name()).append(": ").append(n).append('\n');
            if (v.refRatioToFirst() != null && v.otherRatioToFirst() != null) {
                s.append(String.format(Locale.ROOT, "  %s: %.2fx the first variant's latency on the reference, %.2fx on the other%n",
                        v.name(), v.refRatioToFirst(), v.otherRatioToFirst()));
            }
        }
        if (r.other().get("emulation") != null || r.reference().get("emulation") != null) {
            s.append("  note: one machine ran under emulation (").append(r.other().get("emulation") != null ? r.other().get("emulation")
                    : r.reference().get("emulation")).append("): its latency says nothing about real hardware\n");
        }
        s.append('\n');
        if (r.withinBounds()) {
            s.append("within bounds\n");
        } else {
            s.append("BEYOND BOUNDS:\n");
            for (String p : r.problems()) s.append("  ").append(p).append('\n');
        }
        return s.toString();
    }

    private static String ms(Double v) {
        return v == null ? "-" : String.format(Locale.ROOT, "%.2f", v);
    }

    private static String machine(Map<String, Object> m) {
        StringBuilder s = new StringBuilder();
        s.append(m.get("platform")).append(", ").append(m.get("cpu"));
        s.append(", ").append(m.get("backend")).append(" LibTorch ").append(m.get("libtorch"));
        if (m.get("quantized_engine") != null) s.append(", qengine ").append(m.get("quantized_engine"));
        s.append(", threads ").append(m.get("threads"));
        if (m.get("emulation") != null) s.append(", emulated: ").append(m.get("emulation"));
        return s.toString();
    }

    public static Map<String, Object> json(CrossComparison.Result r, String refFile, String otherFile, Bounds b) {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("schema", SCHEMA);
        m.put("reference", Map.of("file", refFile, "machine", r.reference()));
        m.put("other", Map.of("file", otherFile, "machine", r.other()));
        List<Map<String, Object>> pre = new ArrayList<>();
        for (CrossComparison.InputDiff d : r.preprocessing()) {
            Map<String, Object> e = new LinkedHashMap<>();
            e.put("image", d.image());
            e.put("identical", d.identical());
            e.put("max_abs_diff", d.maxAbsDiff());
            e.put("mean_abs_diff", d.meanAbsDiff());
            pre.add(e);
        }
        m.put("preprocessing", pre);
        List<Map<String, Object>> vs = new ArrayList<>();
        for (CrossComparison.VariantResult v : r.variants()) {
            Map<String, Object> e = new LinkedHashMap<>();
            e.put("name", v.name());
            e.put("quantized", v.quantized());
            e.put("model", agreement(v.model()));
            e.put("end_to_end", agreement(v.endToEnd()));
            Map<String, Object> lat = new LinkedHashMap<>();
            lat.put("reference_median_ms", v.refMedianMs());
            lat.put("other_median_ms", v.otherMedianMs());
            lat.put("ratio", Double.isNaN(v.latencyRatio()) ? null : v.latencyRatio());
            lat.put("reference_ratio_to_first", v.refRatioToFirst());
            lat.put("other_ratio_to_first", v.otherRatioToFirst());
            e.put("latency", lat);
            e.put("problems", v.problems());
            e.put("notes", v.notes());
            vs.add(e);
        }
        m.put("variants", vs);
        Map<String, Object> bounds = new LinkedHashMap<>();
        bounds.put("max_abs_diff", b.maxAbsDiff());
        bounds.put("min_cosine", b.minCosine());
        bounds.put("min_top1", b.minTop1());
        bounds.put("int8_min_cosine", b.int8MinCosine());
        bounds.put("int8_min_top1", b.int8MinTop1());
        m.put("bounds", bounds);
        m.put("within_bounds", r.withinBounds());
        m.put("problems", r.problems());
        return m;
    }

    private static Map<String, Object> agreement(Agreement a) {
        if (a == null) return null;
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("samples", a.samples());
        m.put("max_abs_diff", a.maxAbsDiff());
        m.put("mean_abs_diff", a.meanAbsDiff());
        m.put("cosine", a.cosine());
        m.put("sqnr_db", Double.isInfinite(a.sqnrDb()) ? null : a.sqnrDb());
        m.put("top1", a.top1());
        m.put("top5", a.top5());
        return m;
    }
}
