package org.edgetorch.study;

import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Locale;

/**
 * The few sentences a reader wants first, computed from the figures: the fastest variant, the best
 * static INT8 engine on this machine, the smallest file, and the targets the issues set.
 */
final class Findings {
    /** Issue 4's target: static INT8 with the best engine at least this much faster than FP32 TorchScript at 1 thread. */
    static final double INT8_SPEEDUP_TARGET = 3.0;
    /** Issue 4's target: the static INT8 file no larger than the study's 3.7 MB. */
    static final long INT8_SIZE_TARGET_BYTES = 3_700_000;

    private Findings() {
    }

    static List<String> of(StudyResult r) {
        List<String> out = new ArrayList<>();
        for (int t : r.threads()) {
            List<Latency> rows = r.latency().stream().filter(l -> l.threads() == t && l.input().equals("dummy")).toList();
            if (rows.isEmpty()) continue;
            Latency fastest = rows.stream().min(Comparator.comparingDouble(Latency::medianMs)).orElseThrow();
            Latency ts = find(rows, Variant.FP32_TORCHSCRIPT);
            out.add(String.format(Locale.ROOT, "Fastest at %s: %s, %s ms median%s%s.", ReportMarkdown.threads(t),
                    label(r, fastest.variant()), ReportMarkdown.ms(fastest.medianMs()),
                    fastest.ratioToEager() == null ? "" : String.format(Locale.ROOT, ", %.1f× faster than FP32 eager", 1 / fastest.ratioToEager()),
                    ts == null || ts == fastest ? "" : String.format(Locale.ROOT, " and %.1f× faster than FP32 TorchScript",
                            ts.medianMs() / fastest.medianMs())));
            for (String precision : List.of("fp32", "int8")) {
                String best = fastestRuntimes(r, rows, precision);
                if (best != null) out.add(best);
            }
            List<Latency> statics = rows.stream().filter(l -> l.variant().startsWith("int8-static-") && !l.variant().endsWith("-mobile")).toList();
            if (!statics.isEmpty()) {
                Latency best = statics.stream().min(Comparator.comparingDouble(Latency::medianMs)).orElseThrow();
                StringBuilder b = new StringBuilder(String.format(Locale.ROOT, "Best static INT8 engine here at %s: %s (%s ms",
                        ReportMarkdown.threads(t), engine(r, best.variant()), ReportMarkdown.ms(best.medianMs())));
                for (Latency other : statics) {
                    if (other != best) b.append(String.format(Locale.ROOT, "; %s %s ms", engine(r, other.variant()), ReportMarkdown.ms(other.medianMs())));
                }
                b.append(").");
                if (t == 1 && ts != null) {
                    double speedup = ts.medianMs() / best.medianMs();
                    b.append(String.format(Locale.ROOT, " Target: at least %.0f× faster than FP32 TorchScript at 1 thread — %.1f×, %s.",
                            INT8_SPEEDUP_TARGET, speedup, speedup >= INT8_SPEEDUP_TARGET ? "met" : "not met"));
                }
                out.add(b.toString());
            }
        }
        r.variants().stream().filter(v -> v.bytes() != null).min(Comparator.comparingLong(Variant::bytes)).ifPresent(v -> {
            String s = String.format(Locale.ROOT, "Smallest file: %s, %.2f MB.", v.label(), v.bytes() / 1e6);
            List<Variant> statics = r.variants().stream().filter(x -> x.id().startsWith("int8-static-") && !x.id().endsWith("-mobile")
                    && x.bytes() != null).toList();
            if (!statics.isEmpty() && ReferenceFigures.ARCH.equals(r.weights().arch())) {
                long largest = statics.stream().mapToLong(Variant::bytes).max().orElseThrow();
                s += String.format(Locale.ROOT, " Target: static INT8 files no larger than %.1f MB — largest %.2f MB, %s.",
                        INT8_SIZE_TARGET_BYTES / 1e6, largest / 1e6, largest <= INT8_SIZE_TARGET_BYTES ? "met" : "not met");
            }
            out.add(s);
        });
        return out;
    }

    /**
     * The fastest runtime for one precision at one thread count: each runtime's fastest variant of that
     * precision, fastest first; null when fewer than two runtimes have one.
     */
    static String fastestRuntimes(StudyResult r, List<Latency> rows, String precision) {
        java.util.Map<String, Latency> best = new java.util.LinkedHashMap<>();
        for (Latency l : rows) {
            Variant v = r.variant(l.variant());
            if (v == null || !v.precision().equals(precision)) continue;
            best.merge(v.runtime(), l, (a, b) -> a.medianMs() <= b.medianMs() ? a : b);
        }
        if (best.size() < 2) return null;
        List<Latency> sorted = best.values().stream().sorted(Comparator.comparingDouble(Latency::medianMs)).toList();
        StringBuilder b = new StringBuilder(String.format(Locale.ROOT, "Fastest %s runtime here at %s: %s (%s, %s ms)",
                precision.toUpperCase(Locale.ROOT), ReportMarkdown.threads(sorted.get(0).threads()),
                r.variant(sorted.get(0).variant()).runtime(), label(r, sorted.get(0).variant()), ReportMarkdown.ms(sorted.get(0).medianMs())));
        for (Latency other : sorted.subList(1, sorted.size())) {
            b.append(String.format(Locale.ROOT, "; %s's best: %s, %s ms (%.1f× slower)", r.variant(other.variant()).runtime(),
                    label(r, other.variant()), ReportMarkdown.ms(other.medianMs()), other.medianMs() / sorted.get(0).medianMs()));
        }
        return b.append('.').toString();
    }

    private static Latency find(List<Latency> rows, String variant) {
        return rows.stream().filter(l -> l.variant().equals(variant)).findFirst().orElse(null);
    }

    private static String label(StudyResult r, String variant) {
        Variant v = r.variant(variant);
        return v == null ? variant : v.label();
    }

    private static String engine(StudyResult r, String variant) {
        Variant v = r.variant(variant);
        return v == null || v.engine() == null ? variant : v.engine().toUpperCase(Locale.ROOT);
    }
}
