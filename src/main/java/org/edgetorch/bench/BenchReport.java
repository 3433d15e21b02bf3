package org.edgetorch.bench;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Everything one {@link Benchmark#run} measured, and each target's {@link ResourceUsage} when its resource run was
 * made. {@link #toJson()} gives the {@value #SCHEMA} document that {@code bench --json} prints; every field is
 * described in src/site/markdown/measurement.md.
 */
public record BenchReport(String created, Map<String, Object> environment, Settings settings, InputInfo input,
                          ClockInfo clock, Overhead overhead, String peakRssSource, boolean peakResetPerTarget,
                          long processPeakRssBytes,
                          List<TargetResult> targets) {

    /**
     * Bumped when a field changes meaning or disappears; new fields may appear within a version. 2: a target's
     * {@code cpu_ms} became {@code thread_cpu_ms} (it is the calling thread's only), its in-process memory fields
     * gained an {@code in_process_} prefix, and {@code resources} (child process: memory, CPU over all threads,
     * energy) appeared.
     */
    public static final String SCHEMA = "edgetorch.bench/2";

    public BenchReport {
        targets = List.copyOf(targets);
    }

    /** The options in effect; {@code threads} is what the backend reports (0: not set by the harness). */
    public record Settings(int warmupRuns, double warmupMinSeconds, int runs, double minSeconds, int threads,
                           boolean interleaved) {
    }

    public record InputInfo(String kind, String description, long[] shape) {
    }

    /** {@code implementation} is {@code native} or {@code java}; {@code fallbackReason} is null with native. */
    public record ClockInfo(String implementation, String wall, String cpu, String fallbackReason) {
    }

    /** The harness's own cost: start/stop around an empty region, in nanoseconds. */
    public record Overhead(int samples, Stats wallNs, Stats cpuNs) {
    }

    /**
     * One target's results. Times in milliseconds except the raw samples (nanoseconds, in call order).
     *
     * @param timingLoop   {@code java} (timed by the harness around {@code runOnce}) or {@code native}
     *                     (the backend's native loop)
     * @param cpuMs        calling thread's CPU time per call; null when the clock is unavailable
     * @param ratioToFirst median wall time divided by the first target's
     * @param rssBeforeLoadBytes resident memory before this target's load, or -1
     * @param peakRssBytes peak RSS over this target's load, first inference and warm-up, or -1
     * @param resources    memory, CPU and energy from the target's own child process; null when not measured
     */
    public record TargetResult(String name, String kind, String source, String timedCall, String timingLoop,
                               double loadMs, double firstMs, int warmupRuns, double warmupSeconds,
                               Stats wallMs, Stats cpuMs, double throughputPerSecond, double ratioToFirst,
                               long rssBeforeLoadBytes, long peakRssBytes, double sink, long[] wallNs, long[] cpuNs,
                               ResourceUsage resources, String inputLayout, double inputConversionMs) {
        public int runs() {
            return wallNs.length;
        }

        public TargetResult withResources(ResourceUsage r) {
            return new TargetResult(name, kind, source, timedCall, timingLoop, loadMs, firstMs, warmupRuns, warmupSeconds,
                    wallMs, cpuMs, throughputPerSecond, ratioToFirst, rssBeforeLoadBytes, peakRssBytes, sink, wallNs, cpuNs, r,
                    inputLayout, inputConversionMs);
        }
    }

    /** This report with each target's resource run, in target order. */
    public BenchReport withResources(List<ResourceUsage> usage) {
        if (usage.size() != targets.size()) throw new IllegalArgumentException(usage.size() + " resource runs for " + targets.size() + " targets");
        List<TargetResult> ts = new ArrayList<>();
        for (int i = 0; i < targets.size(); i++) ts.add(targets.get(i).withResources(usage.get(i)));
        return new BenchReport(created, environment, settings, input, clock, overhead, peakRssSource, peakResetPerTarget,
                processPeakRssBytes, ts);
    }

    public Map<String, Object> toJson() {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("schema", SCHEMA);
        m.put("created", created);
        m.put("environment", environment);
        Map<String, Object> s = new LinkedHashMap<>();
        s.put("warmup_runs", settings.warmupRuns());
        s.put("warmup_min_s", settings.warmupMinSeconds());
        s.put("runs", settings.runs());
        s.put("min_time_s", settings.minSeconds());
        s.put("threads", settings.threads());
        s.put("interleaved", settings.interleaved());
        m.put("settings", s);
        Map<String, Object> in = new LinkedHashMap<>();
        in.put("kind", input.kind());
        in.put("description", input.description());
        in.put("shape", input.shape());
        m.put("input", in);
        Map<String, Object> c = new LinkedHashMap<>();
        c.put("implementation", clock.implementation());
        c.put("wall", clock.wall());
        c.put("cpu", clock.cpu());
        if (clock.fallbackReason() != null) c.put("fallback_reason", clock.fallbackReason());
        m.put("clock", c);
        Map<String, Object> o = new LinkedHashMap<>();
        o.put("samples", overhead.samples());
        o.put("wall_ns", stats(overhead.wallNs()));
        o.put("thread_cpu_ns", stats(overhead.cpuNs()));
        m.put("harness_overhead", o);
        Map<String, Object> mem = new LinkedHashMap<>();
        mem.put("source", peakRssSource);
        mem.put("peak_reset_per_target", peakResetPerTarget);
        mem.put("process_peak_rss_bytes", processPeakRssBytes);
        m.put("memory", mem);
        List<Map<String, Object>> ts = new ArrayList<>();
        for (TargetResult t : targets) {
            Map<String, Object> r = new LinkedHashMap<>();
            r.put("name", t.name());
            r.put("kind", t.kind());
            r.put("source", t.source());
            r.put("timed_call", t.timedCall());
            r.put("input_layout", t.inputLayout());
            r.put("input_conversion_ms", t.inputConversionMs());
            r.put("timing_loop", t.timingLoop());
            r.put("load_ms", t.loadMs());
            r.put("first_inference_ms", t.firstMs());
            r.put("warmup_runs", t.warmupRuns());
            r.put("warmup_s", t.warmupSeconds());
            r.put("runs", t.runs());
            r.put("wall_ms", stats(t.wallMs()));
            r.put("thread_cpu_ms", stats(t.cpuMs()));
            r.put("throughput_per_s", t.throughputPerSecond());
            r.put("ratio_to_first", t.ratioToFirst());
            r.put("in_process_rss_before_load_bytes", t.rssBeforeLoadBytes());
            r.put("in_process_peak_rss_bytes", t.peakRssBytes());
            r.put("resources", t.resources() == null ? null : t.resources().toJson());
            r.put("sink", t.sink());
            Map<String, Object> samples = new LinkedHashMap<>();
            samples.put("wall_ns", t.wallNs());
            samples.put("thread_cpu_ns", t.cpuNs());
            r.put("samples", samples);
            ts.add(r);
        }
        m.put("targets", ts);
        return m;
    }

    private static Map<String, Object> stats(Stats s) {
        if (s == null) return null;
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("n", s.n());
        m.put("min", s.min());
        m.put("mean", s.mean());
        m.put("median", s.median());
        m.put("p10", s.p10());
        m.put("p90", s.p90());
        m.put("p99", s.p99());
        m.put("max", s.max());
        m.put("stdev", s.stdev());
        return m;
    }
}
