package org.edgetorch.bench.energy;

/**
 * Energy the machine used over an interval, from a meter the OS exposes (see {@link EnergyMeters}). One interval
 * at a time: {@link #start()}, the work, {@link #stop()}.
 */
public interface EnergyMeter extends AutoCloseable {

    /** What is read, for the report, e.g. {@code powercap intel-rapl (package-0)}. */
    String source();

    void start();

    /** Joules since {@link #start()} (the whole machine or the rails the meter covers, not this process alone). */
    Reading stop();

    @Override
    default void close() {
    }

    /** @param joules energy over the interval; {@code seconds} the interval as the meter timed it */
    record Reading(double joules, double seconds) {
        public double watts() {
            return seconds > 0 ? joules / seconds : Double.NaN;
        }
    }
}
