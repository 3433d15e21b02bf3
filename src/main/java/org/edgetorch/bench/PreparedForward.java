package org.edgetorch.bench;

/** A forward call whose input is already built in the backend's own form. */
interface PreparedForward extends AutoCloseable {

    /** The timed call. */
    void run();

    /** Folds and releases the last output (not timed). */
    double consume();

    /** What {@link #run()} calls, for the report. */
    String description();

    @Override
    void close();
}
