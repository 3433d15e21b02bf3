package org.edgetorch.study;

/**
 * Latency of one variant at one thread count on one input, in milliseconds.
 *
 * @param input          {@code dummy} (seeded random tensor) or {@code image:<name>}
 * @param loadMs         time to load the file; null for the eager model, which is built in memory
 * @param firstMs        the first inference after loading, not part of the statistics
 * @param peakRssBytes   peak resident memory while this variant was loaded and warmed up; null when
 *                       the timer does not measure it
 * @param ratioToEager   median over FP32 eager's median in the same interleaved run (below 1 = faster);
 *                       null when FP32 eager was not measured
 * @param timer          what took the samples, e.g. {@code java System.nanoTime} or {@code native harness}
 * @param resources      memory, CPU over all threads and energy of the variant alone in a child process; null
 *                       when not measured (other inputs, {@code --resources off}, Python's figures)
 */
public record Latency(String variant, int threads, String input, int runs, int warmupRuns,
                      double medianMs, double p10Ms, double p90Ms, double p99Ms, double meanMs, double stdevMs,
                      double minMs, double maxMs, Double loadMs, Double firstMs, Long peakRssBytes,
                      Double ratioToEager, String timer, org.edgetorch.bench.ResourceUsage resources,
                      String inputLayout, Double inputConversionMs) {

    public Latency withRatio(Double ratio) {
        return new Latency(variant, threads, input, runs, warmupRuns, medianMs, p10Ms, p90Ms, p99Ms, meanMs, stdevMs,
                minMs, maxMs, loadMs, firstMs, peakRssBytes, ratio, timer, resources, inputLayout, inputConversionMs);
    }

    public Latency withResources(org.edgetorch.bench.ResourceUsage r) {
        return new Latency(variant, threads, input, runs, warmupRuns, medianMs, p10Ms, p90Ms, p99Ms, meanMs, stdevMs,
                minMs, maxMs, loadMs, firstMs, peakRssBytes, ratioToEager, timer, r, inputLayout, inputConversionMs);
    }
}
