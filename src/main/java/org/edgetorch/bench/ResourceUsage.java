package org.edgetorch.bench;

import java.util.LinkedHashMap;
import java.util.Map;

/**
 * What one target costs besides time, measured in a child process of its own ({@link ResourceRuns}) so no other
 * target's memory or threads mix in: resident memory, CPU over all threads and, where the machine has a meter,
 * energy. The child loads the target, runs it once, warms it up and measures as many runs as the parent's
 * options ask for, alone (not interleaved).
 *
 * @param rssBeforeLoadBytes  the child's resident memory before the load, with the JVM and LibTorch loaded, or -1
 * @param rssAfterLoadBytes   resident memory right after the load, as TFLite's benchmark_model reports it, or -1
 * @param peakRssBytes        the child's peak resident memory over its whole life (load, first run, warm-up,
 *                            measured runs), or -1
 * @param runs                measured runs in the child
 * @param wallSeconds         wall time of those runs, end to end
 * @param cpuSeconds          CPU time of the whole child process over those runs (all threads), or NaN
 * @param medianMs            median of the child's own per-call wall samples (the target alone, not interleaved)
 * @param energy              joules over the runs, or null when there is no meter ({@code energyNote} says why)
 * @param energyNote          where the energy comes from, or why there is none
 * @param error               why the child failed (every other figure is then absent), or null
 */
public record ResourceUsage(long rssBeforeLoadBytes, long rssAfterLoadBytes, long peakRssBytes, int runs, double wallSeconds,
                            double cpuSeconds, double medianMs, Energy energy, String energyNote, String cpuSource,
                            String error) {

    /**
     * @param joules        energy over the measured runs, whole machine (or the rails the meter covers)
     * @param idleWatts     the same meter over {@link ResourceProbe#IDLE_SECONDS} with the child idle, before loading
     * @param netJoulesPerInference (joules - idleWatts x wall time) / runs: what the inferences added
     */
    public record Energy(double joules, double seconds, double idleWatts, double netJoulesPerInference) {
        public double activeWatts() {
            return seconds > 0 ? joules / seconds : Double.NaN;
        }
    }

    public static ResourceUsage failed(String error) {
        return new ResourceUsage(-1, -1, -1, 0, Double.NaN, Double.NaN, Double.NaN, null, null, null, error);
    }

    /** CPU time per inference over all threads, in milliseconds; NaN when unknown. */
    public double cpuMsPerInference() {
        return runs > 0 ? cpuSeconds * 1e3 / runs : Double.NaN;
    }

    /** CPU time over wall time of the measured runs: 1.0 is one core busy throughout, 4.0 four. */
    public double utilization() {
        return wallSeconds > 0 ? cpuSeconds / wallSeconds : Double.NaN;
    }

    public Map<String, Object> toJson() {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("measured_in", "child process");
        if (error != null) {
            m.put("error", error);
            return m;
        }
        m.put("rss_before_load_bytes", rssBeforeLoadBytes);
        m.put("rss_after_load_bytes", rssAfterLoadBytes);
        m.put("peak_rss_bytes", peakRssBytes);
        m.put("runs", runs);
        m.put("wall_s", num(wallSeconds));
        m.put("cpu_s", num(cpuSeconds));
        m.put("cpu_ms_per_inference", num(cpuMsPerInference()));
        m.put("cpu_utilization", num(utilization()));
        m.put("cpu_source", cpuSource);
        m.put("median_ms_alone", num(medianMs));
        Map<String, Object> e = new LinkedHashMap<>();
        if (energy != null) {
            e.put("joules", energy.joules());
            e.put("seconds", energy.seconds());
            e.put("active_watts", num(energy.activeWatts()));
            e.put("idle_watts", num(energy.idleWatts()));
            e.put("net_joules_per_inference", num(energy.netJoulesPerInference()));
            e.put("source", energyNote);
        } else {
            e.put("net_joules_per_inference", null);
            e.put("unavailable", energyNote);
        }
        m.put("energy", e);
        return m;
    }

    /** The inverse of {@link #toJson()} (what the child prints, read back by the parent). */
    public static ResourceUsage fromJson(com.google.gson.JsonObject o) {
        if (o.has("error")) return failed(o.get("error").getAsString());
        com.google.gson.JsonObject e = o.getAsJsonObject("energy");
        Energy energy = e.has("joules") ? new Energy(e.get("joules").getAsDouble(), e.get("seconds").getAsDouble(),
                dbl(e, "idle_watts"), dbl(e, "net_joules_per_inference")) : null;
        String note = energy != null ? e.get("source").getAsString() : e.get("unavailable").getAsString();
        return new ResourceUsage(o.get("rss_before_load_bytes").getAsLong(), o.get("rss_after_load_bytes").getAsLong(),
                o.get("peak_rss_bytes").getAsLong(), o.get("runs").getAsInt(), dbl(o, "wall_s"), dbl(o, "cpu_s"),
                dbl(o, "median_ms_alone"), energy, note, o.get("cpu_source").getAsString(), null);
    }

    private static double dbl(com.google.gson.JsonObject o, String key) {
        return o.has(key) && !o.get(key).isJsonNull() ? o.get(key).getAsDouble() : Double.NaN;
    }

    private static Double num(double v) {
        return Double.isNaN(v) || Double.isInfinite(v) ? null : v;
    }
}
