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
