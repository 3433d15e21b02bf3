package org.edgetorch.bench;

import org.edgetorch.backend.NativeLoop;
import org.edgetorch.tensor.FloatTensor;

import java.util.Optional;

/**
 * One thing to benchmark: a TorchScript file, the eager Java model, ... The harness calls, in order:
 * {@link #load()} (timed as init time), {@link #prepare} (not timed: builds the backend's input once),
 * then any number of {@link #runOnce()} (each timed: the timed region holds this call and nothing
 * else), each followed by {@link #consume()} (not timed), and finally {@link #close()}.
 */
public interface BenchTarget extends AutoCloseable {

    /** Short name for tables: the file name, or {@code eager}. */
    String name();

    /** {@code torchscript}, {@code eager}, ... */
    String kind();

    /** Where it came from (a path, or a description of the built-in model). */
    String source();

    /** What exactly {@link #runOnce()} times, for the report, e.g. {@code JitModule.forward(IValueVector)}. */
    String timedCall();

    void load();

    void prepare(FloatTensor input);

    /** One inference on the prepared input; keeps its output for {@link #consume()}. */
    void runOnce();

    /**
     * Folds the last output into a number (e.g. the sum of its elements) and releases it. The harness
     * adds these numbers into a sink that it reports, so no inference can be optimized away.
     */
    double consume();

    /** The layout its input is given in, after {@link #prepare}: {@code nchw}, or {@code nhwc} (channels-last). */
    default String inputLayout() {
        return "nchw";
    }

    /** How long {@link #prepare} took to lay the input out for the runtime, once, outside the timed region. */
    default double inputConversionMs() {
        return 0;
    }

    /** A loop that times calls entirely in native code, when the backend has one; valid after {@link #prepare}. */
    default Optional<NativeLoop> nativeLoop() {
        return Optional.empty();
    }

    @Override
    void close();
}
