package org.edgetorch.mobile;

/**
 * Settings of one mobile export. {@link #defaults()} is what {@code edgetorch optimize} uses.
 *
 * @param debugInfo        keep the lite interpreter's debug records (source ranges and module call
 *                         stacks for error messages and profiling on the device); a few tens of kB
 * @param xnnpack          rewrite FP32 conv2d/linear to XNNPACK prepacked ops (off: freeze and fold only)
 * @param quantizedEngine  engine quantized weights are packed for when loading a quantized input
 *                         ({@code qnnpack}, {@code x86}, ...); null = the input's metadata, else qnnpack
 * @param verify           run input and output on the same inputs and fail beyond the tolerance
 * @param verifySamples    how many random inputs verification runs
 * @param tolerance        largest absolute output difference accepted
 * @param inputShape       shape of verification / timing inputs
 * @param seed             seed of the random inputs
 * @param loadRuns         how often each file is loaded to time loading (0: no load timing)
 * @param latencyRuns      interleaved forward runs of each file to time latency (0: no latency timing)
 */
public record MobileOptions(boolean debugInfo, boolean xnnpack, String quantizedEngine, boolean verify,
                            int verifySamples, double tolerance, long[] inputShape, long seed,
                            int loadRuns, int latencyRuns) {

    public static final double DEFAULT_TOLERANCE = 1e-3;

    public MobileOptions {
        if (verifySamples < 1) throw new IllegalArgumentException("verifySamples must be at least 1");
        if (!(tolerance >= 0)) throw new IllegalArgumentException("tolerance must be >= 0");
        if (loadRuns < 0 || latencyRuns < 0) throw new IllegalArgumentException("run counts must be >= 0");
        inputShape = inputShape.clone();
    }

    public static MobileOptions defaults() {
        return new MobileOptions(true, true, null, true, 4, DEFAULT_TOLERANCE, new long[]{1, 3, 224, 224}, 0, 0, 0);
    }

    public MobileOptions withDebugInfo(boolean v) {
        return new MobileOptions(v, xnnpack, quantizedEngine, verify, verifySamples, tolerance, inputShape, seed, loadRuns, latencyRuns);
    }

    public MobileOptions withXnnpack(boolean v) {
        return new MobileOptions(debugInfo, v, quantizedEngine, verify, verifySamples, tolerance, inputShape, seed, loadRuns, latencyRuns);
    }

    public MobileOptions withQuantizedEngine(String v) {
        return new MobileOptions(debugInfo, xnnpack, v, verify, verifySamples, tolerance, inputShape, seed, loadRuns, latencyRuns);
    }

    public MobileOptions withVerify(boolean v, int samples, double tol) {
        return new MobileOptions(debugInfo, xnnpack, quantizedEngine, v, samples, tol, inputShape, seed, loadRuns, latencyRuns);
    }

    public MobileOptions withInputShape(long... shape) {
        return new MobileOptions(debugInfo, xnnpack, quantizedEngine, verify, verifySamples, tolerance, shape, seed, loadRuns, latencyRuns);
    }

    public MobileOptions withSeed(long v) {
        return new MobileOptions(debugInfo, xnnpack, quantizedEngine, verify, verifySamples, tolerance, inputShape, v, loadRuns, latencyRuns);
    }

    public MobileOptions withTiming(int loads, int latency) {
        return new MobileOptions(debugInfo, xnnpack, quantizedEngine, verify, verifySamples, tolerance, inputShape, seed, loads, latency);
    }
}
