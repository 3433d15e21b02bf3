package org.edgetorch.bench.energy;

import java.util.function.DoubleSupplier;

/**
 * A meter of instantaneous power (hwmon {@code powerN_input}, INA3221 voltage times current, the Raspberry Pi 5's
 * PMIC), integrated over the interval by a daemon thread that samples it every {@code intervalMs}: trapezoids
 * between samples, with one sample at {@link #start()} and one at {@link #stop()}. The sampling thread sleeps
 * between samples, so it adds little CPU to what is measured.
 */
final class SampledPowerMeter implements EnergyMeter {
    private final String source;
    private final DoubleSupplier watts;
    private final long intervalMs;
    private Thread sampler;
    private volatile boolean running;
    private double joules;
    private long lastNs;
    private double lastWatts;
    private long startNs;

    SampledPowerMeter(String source, DoubleSupplier watts, long intervalMs) {
        this.source = source;
        this.watts = watts;
        this.intervalMs = intervalMs;
    }

    @Override
    public String source() {
        return source;
    }

    @Override
    public synchronized void start() {
        if (sampler != null) throw new IllegalStateException("already started");
        joules = 0;
        startNs = System.nanoTime();
        lastNs = startNs;
        lastWatts = watts.getAsDouble();
        running = true;
        sampler = new Thread(this::sampleUntilStopped, "edgetorch-power-sampler");
        sampler.setDaemon(true);
        sampler.start();
    }

    private void sampleUntilStopped() {
        while (running) {
            try {
                Thread.sleep(intervalMs);
            } catch (InterruptedException e) {
                return;
            }
            if (running) sample();
        }
    }

    private synchronized void sample() {
        long now = System.nanoTime();
        double w = watts.getAsDouble();
        joules += (now - lastNs) / 1e9 * (w + lastWatts) / 2;
        lastNs = now;
        lastWatts = w;
    }

    @Override
    public Reading stop() {
        Thread t;
        synchronized (this) {
            if (sampler == null) throw new IllegalStateException("stop() before start()");
            running = false;
            t = sampler;
            sampler = null;
        }
        t.interrupt();
        try {
            t.join();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        synchronized (this) {
            sample();
            return new Reading(joules, (lastNs - startNs) / 1e9);
        }
    }

    @Override
    public void close() {
        if (sampler != null) stop();
    }
}
