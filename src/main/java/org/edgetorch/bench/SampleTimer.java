package org.edgetorch.bench;

/**
 * Times measured calls: {@link #start()} and {@link #stop()} bracket exactly one call and append one
 * wall and one CPU sample, in nanoseconds. Made by {@link Clocks#newTimer(int)}.
 */
public interface SampleTimer extends AutoCloseable {

    void start();

    void stop();

    int size();

    /** Sum of the wall samples so far, in nanoseconds. */
    long totalWallNs();

    long[] wallNs();

    long[] cpuNs();

    void clear();

    @Override
    void close();
}
