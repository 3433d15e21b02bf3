package org.edgetorch.mobile;

/**
 * Load and latency of the input {@code .pt} against the written {@code .ptl}, both through the
 * backend's loader, from an interleaved run (pt, ptl, pt, ptl, ...) so that machine noise hits both
 * alike. A quick in-process measurement; {@code edgetorch bench} is the real harness.
 *
 * @param loadPtMs      median load time of the input, ms
 * @param loadPtlMs     median load time of the output, ms
 * @param latencyPtMs   median forward latency of the input, ms
 * @param latencyPtlMs  median forward latency of the output, ms
 * @param speedup       latencyPtMs / latencyPtlMs (above 1: the .ptl is faster)
 * @param cpuPtMs       median calling-thread CPU time of a forward of the input, ms
 * @param cpuPtlMs      median calling-thread CPU time of a forward of the output, ms
 * @param cpuSpeedup    cpuPtMs / cpuPtlMs: with one thread, the steadier figure on a busy machine
 * @param loadRuns      loads of each file
 * @param latencyRuns   timed forward runs of each file (after warm-up)
 * @param threads       intra-op threads during the measurement
 */
public record MobileTimings(double loadPtMs, double loadPtlMs, double latencyPtMs, double latencyPtlMs,
                            double speedup, double cpuPtMs, double cpuPtlMs, double cpuSpeedup, int loadRuns, int latencyRuns, int threads) {
}
