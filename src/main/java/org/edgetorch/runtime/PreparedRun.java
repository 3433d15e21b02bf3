package org.edgetorch.runtime;

/** A forward call whose input is already built in the runtime's own form (see {@link Model#prepare}). */
public interface PreparedRun extends AutoCloseable {

    /** The timed call. */
    void run();

    /** Folds the last output into a number (e.g. the sum of its elements) and releases it (not timed). */
    double consume();

    /** How long building the input in the runtime's own form and layout took, once, outside the timed region. */
    default long inputConversionNanos() {
        return 0;
    }

    /** What {@link #run()} calls, for the report. */
    String description();

    @Override
    void close();
}
