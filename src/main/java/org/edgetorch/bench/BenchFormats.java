package org.edgetorch.bench;

import org.edgetorch.util.Json;

import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/** The three renderings of a {@link BenchReport}: a table for people, JSON and CSV for machines. */
public final class BenchFormats {
    /** Columns of {@link #csv}, in order; described in src/site/markdown/measurement.md. */
    public static final List<String> CSV_COLUMNS = List.of(
            "schema", "name", "kind", "source", "timing_loop", "threads", "input_kind", "input_description",
            "input_shape", "warmup_runs", "runs", "load_ms", "first_inference_ms", "min_ms", "mean_ms",
            "median_ms", "p10_ms", "p90_ms", "p99_ms", "max_ms", "stdev_ms", "thread_cpu_mean_ms", "thread_cpu_median_ms",
            "throughput_per_s", "ratio_to_first", "in_process_rss_before_load_bytes", "in_process_peak_rss_bytes",
            "rss_after_load_bytes", "peak_rss_bytes", "cpu_ms_per_inference", "cpu_utilization", "joules_per_inference",
            "overhead_median_ns", "clock", "sink");

    private BenchFormats() {
    }

    public static String json(BenchReport report) {
        return Json.write(report.toJson());
    }

    /** RFC 4180 CSV: a header row, then one row per target. */
    public static String csv(BenchReport r) {
        StringBuilder out = new StringBuilder();
        out.append(String.join(",", CSV_COLUMNS)).append("\r\n");
        for (BenchReport.TargetResult t : r.targets()) {
            List<String> row = new ArrayList<>();
            row.add(BenchReport.SCHEMA);
            row.add(t.name());
            row.add(t.kind());
            row.add(t.source());
            row.add(t.timingLoop());
            row.add(Integer.toString(r.settings().threads()));
            row.add(r.input().kind());
            row.add(r.input().description());
            row.add(shape(r.input().shape(), "x"));
            row.add(Integer.toString(t.warmupRuns()));
            row.add(Integer.toString(t.runs()));
            row.add(num(t.loadMs()));
            row.add(num(t.firstMs()));
            Stats w = t.wallMs();
            for (double v : new double[]{w.min(), w.mean(), w.median(), w.p10(), w.p90(), w.p99(), w.max(), w.stdev()}) {
                row.add(num(v));
            }
            row.add(t.cpuMs() == null ? "" : num(t.cpuMs().mean()));
            row.add(t.cpuMs() == null ? "" : num(t.cpuMs().median()));
            row.add(num(t.throughputPerSecond()));
            row.add(num(t.ratioToFirst()));
            row.add(Long.toString(t.rssBeforeLoadBytes()));
            row.add(Long.toString(t.peakRssBytes()));
            ResourceUsage u = t.resources() == null || t.resources().error() != null ? null : t.resources();
            row.add(u == null ? "" : Long.toString(u.rssAfterLoadBytes()));
            row.add(u == null ? "" : Long.toString(u.peakRssBytes()));
            row.add(u == null ? "" : num(u.cpuMsPerInference()));
            row.add(u == null ? "" : num(u.utilization()));
            row.add(u == null || u.energy() == null ? "" : num(u.energy().netJoulesPerInference()));
            row.add(num(r.overhead().wallNs().median()));
            row.add(r.clock().implementation() + ":" + r.clock().wall());
            row.add(num(t.sink()));
            out.append(String.join(",", row.stream().map(BenchFormats::quote).toList())).append("\r\n");
        }
        return out.toString();
    }

    /** The table {@code bench} prints. */
    public static String table(BenchReport r) {
        StringBuilder out = new StringBuilder();
        BenchReport.Settings s = r.settings();
        BenchReport.TargetResult first = r.targets().get(0);
        out.append(String.format(Locale.ROOT, "%d model%s%s, %d runs each, warm-up %d runs / %.2f s; %s; input %s %s (%s)%n",
                r.targets().size(), r.targets().size() == 1 ? "" : "s", s.interleaved() ? " interleaved (A B A B ...)" : "",
                first.runs(), s.warmupRuns(), s.warmupMinSeconds(),
                s.threads() > 0 ? s.threads() + " thread" + (s.threads() == 1 ? "" : "s") : "threads unchanged",
                r.input().kind(), shape(r.input().shape(), "x"), r.input().description()));
        int nameWidth = "model".length();
        for (BenchReport.TargetResult t : r.targets()) nameWidth = Math.max(nameWidth, t.name().length());
        String head = String.format(Locale.ROOT, "%-" + nameWidth + "s %9s %9s %9s %9s %9s %9s %17s %8s %7s %9s %9s %10s %5s %8s%n",
                "model", "load ms", "first ms", "median ms", "p90 ms", "p99 ms", "min ms", "mean ± stdev ms",
                "inf/s", "ratio", "RSS MiB", "peak MiB", "CPU ms/inf", "util", "J/inf");
        out.append(head);
        String energyNote = null;
        List<String> failures = new ArrayList<>();
        for (BenchReport.TargetResult t : r.targets()) {
            Stats w = t.wallMs();
            ResourceUsage u = t.resources();
            if (u != null && u.error() != null) failures.add(t.name() + ": " + u.error());
            boolean ok = u != null && u.error() == null;
            if (ok && u.energy() == null) energyNote = u.energyNote();
            out.append(String.format(Locale.ROOT, "%-" + nameWidth + "s %9.1f %9.2f %9.3f %9.3f %9.3f %9.3f %17s %8.1f %6.2fx %9s %9s %10s %5s %8s%n",
                    t.name(), t.loadMs(), t.firstMs(), w.median(), w.p90(), w.p99(), w.min(),
                    String.format(Locale.ROOT, "%.3f ± %.3f", w.mean(), w.stdev()),
                    t.throughputPerSecond(), t.ratioToFirst(),
                    ok ? mib(u.rssAfterLoadBytes()) : "n/a", ok ? mib(u.peakRssBytes()) : "n/a",
                    ok ? fixed(u.cpuMsPerInference(), "%.2f") : "n/a", ok ? fixed(u.utilization(), "%.2f") : "n/a",
                    ok && u.energy() != null ? fixed(u.energy().netJoulesPerInference(), "%.4f") : "n/a"));
        }
        BenchReport.Overhead o = r.overhead();
        out.append(String.format(Locale.ROOT,
                "ratio: median / median of %s. harness overhead (empty timed region, %d samples): median %.0f ns, p99 %.0f ns wall%s; clocks: %s %s / %s.%n",
                first.name(), o.samples(), o.wallNs().median(), o.wallNs().p99(),
                o.cpuNs() == null ? "" : String.format(Locale.ROOT, ", median %.0f ns thread CPU", o.cpuNs().median()),
                r.clock().implementation(), r.clock().wall(), r.clock().cpu()));
        boolean any = r.targets().stream().anyMatch(t -> t.resources() != null);
        if (any) {
            out.append("RSS after load, peak RSS, CPU (all threads) per inference, utilization (CPU / wall; 1.0 = one core) and "
                    + "energy per inference (idle subtracted): each model alone in a child process.\n");
        } else {
            out.append(String.format(Locale.ROOT, "memory, CPU and energy per model not measured (--resources off); process peak RSS %s MiB (%s)%n",
                    mib(r.processPeakRssBytes()), r.peakRssSource()));
        }
        if (energyNote != null) out.append("J/inf n/a: ").append(energyNote).append('\n');
        for (String f : failures) out.append("resource run failed for ").append(f).append('\n');
        return out.toString();
    }

    private static String fixed(double v, String format) {
        return Double.isNaN(v) ? "n/a" : String.format(Locale.ROOT, format, v);
    }

    private static String mib(long bytes) {
        return bytes < 0 ? "n/a" : String.format(Locale.ROOT, "%.1f", bytes / 1048576.0);
    }

    private static String shape(long[] shape, String sep) {
        StringBuilder b = new StringBuilder();
        for (int i = 0; i < shape.length; i++) {
            if (i > 0) b.append(sep);
            b.append(shape[i]);
        }
        return b.toString();
    }

    /** Shortest round-trip decimal, locale-independent (may use E notation, which CSV readers parse). */
    private static String num(double v) {
        if (Double.isNaN(v) || Double.isInfinite(v)) return "";
        return Double.toString(v);
    }

    private static String quote(String field) {
        if (field.contains(",") || field.contains("\"") || field.contains("\n") || field.contains("\r")) {
            return "\"" + field.replace("\"", "\"\"") + "\"";
        }
        return field;
    }
}
