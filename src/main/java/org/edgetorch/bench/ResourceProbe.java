package org.edgetorch.bench;

import org.edgetorch.bench.energy.EnergyMeter;
import org.edgetorch.bench.energy.EnergyMeters;

import java.util.List;

/**
 * The child's side of a resource run: one target, alone in this process. Energy meters see the whole machine, so
 * their idle power is measured first (the process sleeping) and subtracted.
 */
public final class ResourceProbe {
    /** How long the idle baseline of an energy meter is measured, before the target loads. */
    public static final double IDLE_SECONDS = 1.0;

    private ResourceProbe() {
    }

    public static ResourceUsage run(BenchTarget target, BenchOptions options) {
        EnergyMeters.Detection detection = EnergyMeters.detect();
        EnergyMeter meter = detection.meter();
        double idleWatts = Double.NaN;
        if (meter != null) {
            meter.start();
            try {
                Thread.sleep((long) (IDLE_SECONDS * 1000));
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
            idleWatts = meter.stop().watts();
        }
        // The runtime library is loaded first, so the load figure is the model's and not LibTorch's.
        if (options.threads() > 0) org.edgetorch.backend.Backends.get().setThreads(options.threads());
        long rssBefore = Memory.currentRssBytes();
        Recorder recorder = new Recorder(meter);
        BenchReport report = Benchmark.run(List.of(target), options.withListener(recorder));
        long peak = Memory.peakRssBytes();
        int runs = report.targets().get(0).runs();
        ResourceUsage.Energy energy = null;
        if (recorder.energy != null) {
            double wall = recorder.wallNs / 1e9;
            energy = new ResourceUsage.Energy(recorder.energy.joules(), recorder.energy.seconds(), idleWatts,
                    (recorder.energy.joules() - idleWatts * wall) / runs);
        }
        double cpu = recorder.cpuStart < 0 || recorder.cpuEnd < 0 ? Double.NaN : (recorder.cpuEnd - recorder.cpuStart) / 1e9;
        return new ResourceUsage(rssBefore, recorder.rssAfterLoad, peak, runs, recorder.wallNs / 1e9, cpu,
                report.targets().get(0).wallMs().median(), energy, meter != null ? meter.source() : detection.reason(),
                ProcessCpu.source(), null);
    }

    /** Reads the counters at the harness's events: memory after the load, CPU and energy around the measured runs. */
    private static final class Recorder implements BenchListener {
        private final EnergyMeter meter;
        long rssAfterLoad = -1;
        long cpuStart = -1;
        long cpuEnd = -1;
        long wallStart;
        long wallNs;
        EnergyMeter.Reading energy;

        Recorder(EnergyMeter meter) {
            this.meter = meter;
        }

        @Override
        public void onLoadEnd(String target, long loadNs) {
            rssAfterLoad = Memory.currentRssBytes();
        }

        @Override
        public void onMeasureStart(int targets, int plannedRounds) {
            if (meter != null) meter.start();
            cpuStart = ProcessCpu.ns();
            wallStart = System.nanoTime();
        }

        @Override
        public void onMeasureEnd(int rounds, long elapsedNs) {
            wallNs = System.nanoTime() - wallStart;
            cpuEnd = ProcessCpu.ns();
            if (meter != null) energy = meter.stop();
        }
    }
}
