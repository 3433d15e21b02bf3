package org.edgetorch.backend;

import org.edgetorch.runtime.Model;
import org.edgetorch.tensor.FloatTensor;

/**
 * A benchmark loop that a backend runs entirely in native code: forward on an input that already
 * lives in native memory, each call timed in C++ with the clocks of {@code native/edgetorch_clock.h}
 * (wall: monotonic raw clock; CPU: the calling thread's CPU time), so no JNI transition or Java code
 * sits inside a timed region. The bench harness uses it instead of its own Java loop when a model
 * offers one (see {@link Model#nativeLoop()}).
 *
 * <p>The harness calls {@link #prepare} once, then {@link #run} any number of times: with several
 * models it interleaves them one measured call at a time ({@code run(0, 1)}), so every call must be
 * independent of the previous one.
 */
public interface NativeLoop extends AutoCloseable {

    /** Copies the input into native memory and builds the backend's input value. Not timed. */
    void prepare(FloatTensor input);

    /**
     * Runs {@code warmupRuns} untimed forward calls, then {@code measuredRuns} timed ones, on the
     * prepared input. Every output is folded into {@link Samples#sink()} (for instance the sum of its
     * first element) so that no call can be optimized away.
     *
     * @return one wall and one CPU sample per measured call, in nanoseconds, in call order
     */
    Samples run(int warmupRuns, int measuredRuns);

    /** Names of the clocks used, for the report (e.g. {@code CLOCK_MONOTONIC_RAW}). */
    default String wallClock() {
        return "native";
    }

    default String cpuClock() {
        return "native";
    }

    @Override
    void close();

    /** Samples of one {@link #run}: {@code wallNs.length == cpuNs.length == measuredRuns}. */
    record Samples(long[] wallNs, long[] cpuNs, double sink) {
        public Samples {
            if (wallNs.length != cpuNs.length) {
                throw new IllegalArgumentException(wallNs.length + " wall samples but " + cpuNs.length + " CPU samples");
            }
        }
    }
}
