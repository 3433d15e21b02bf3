package org.edgetorch.bench.energy;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

/**
 * Cumulative energy counters in microjoules ({@code intel-rapl:N/energy_uj}, hwmon {@code energyN_input}),
 * summed. A counter that went backwards wrapped at its range ({@code max_energy_range_uj}) once.
 */
final class CounterMeter implements EnergyMeter {
    /** One counter and the value at which it wraps to 0 (0 when unknown: a decrease then counts as 0). */
    record Counter(Path file, long rangeMicrojoules) {
    }

    private final String source;
    private final List<Counter> counters;
    private long[] before;
    private long startNs;

    CounterMeter(String source, List<Counter> counters) {
        this.source = source;
        this.counters = List.copyOf(counters);
    }

    @Override
    public String source() {
        return source;
    }

    @Override
    public void start() {
        before = read();
        startNs = System.nanoTime();
    }

    @Override
    public Reading stop() {
        if (before == null) throw new IllegalStateException("stop() before start()");
        long[] after = read();
        double seconds = (System.nanoTime() - startNs) / 1e9;
        long micro = 0;
        for (int i = 0; i < after.length; i++) micro += delta(before[i], after[i], counters.get(i).rangeMicrojoules());
        before = null;
        return new Reading(micro / 1e6, seconds);
    }

    static long delta(long before, long after, long range) {
        if (after >= before) return after - before;
        return range > 0 ? range - before + after : 0;
    }

    private long[] read() {
        long[] v = new long[counters.size()];
        for (int i = 0; i < v.length; i++) v[i] = readLong(counters.get(i).file());
        return v;
    }

    static long readLong(Path file) {
        try {
            return Long.parseLong(Files.readString(file).trim());
        } catch (IOException | NumberFormatException e) {
            throw new IllegalStateException(file + ": cannot read the energy counter: " + e.getMessage(), e);
        }
    }
}
