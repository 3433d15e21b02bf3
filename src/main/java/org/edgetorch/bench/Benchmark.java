package org.edgetorch.bench;

import org.edgetorch.backend.Backend;
import org.edgetorch.backend.Backends;
import org.edgetorch.backend.NativeLoop;
import org.edgetorch.runtime.ModelFormat;
import org.edgetorch.runtime.Runtimes;
import org.edgetorch.util.MachineInfo;
import org.edgetorch.util.UserError;

import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The benchmark harness. For each target in turn: load (timed: init time), prepare the input (not
 * timed), first inference (timed, reported apart), warm-up; then all targets' measured runs,
 * interleaved one call each (A B A B ...) so that a machine whose speed drifts affects every target
 * alike. Every output is folded into a sink that the report carries.
 *
 * <p>Library entry point for other commands ({@code study}): {@link #run(List, BenchOptions)}.
 */
public final class Benchmark {
    /** Empty timed regions measured to report the harness's own overhead. */
    static final int OVERHEAD_SAMPLES = 10_000;

    private final BenchOptions options;
    private final Clocks clocks = Clocks.get();
    private boolean peakResetPerTarget = true;

    private Benchmark(BenchOptions options) {
        this.options = options;
    }

    /** Loads, measures and closes every target (in reverse order of loading). */
    public static BenchReport run(List<BenchTarget> targets, BenchOptions options) {
        if (targets.isEmpty()) throw new UserError("no model to benchmark");
        return new Benchmark(options).measure(targets);
    }

    /** Start/stop around an empty region, as often as {@code samples}, after as many to warm the JIT. */
    public static BenchReport.Overhead measureOverhead(int samples) {
        try (SampleTimer timer = Clocks.get().newTimer(samples)) {
            for (int round = 0; round < 2; round++) {
                timer.clear();
                for (int i = 0; i < samples; i++) {
                    timer.start();
                    timer.stop();
                }
            }
            long[] cpu = timer.cpuNs();
            return new BenchReport.Overhead(samples, Stats.of(timer.wallNs()), cpu.length > 0 && cpu[0] >= 0 ? Stats.of(cpu) : null);
        }
    }

    private BenchReport measure(List<BenchTarget> targets) {
        Instant created = Instant.now().truncatedTo(ChronoUnit.SECONDS);
        options.listener().onBenchmarkStart(targets.stream().map(BenchTarget::name).toList(), options);
        Map<String, Object> environment = environment();
        BenchReport.Overhead overhead = measureOverhead(OVERHEAD_SAMPLES);
        List<Runner> runners = new ArrayList<>();
        BenchReport report;
        long processPeak = Memory.peakRssBytes();
        try {
            for (BenchTarget t : targets) {
                Runner r = prepare(t);
                runners.add(r);
                processPeak = Math.max(processPeak, r.peakRss);
            }
            environment.putAll(runtimes(targets));
            measureInterleaved(runners);
            processPeak = Math.max(processPeak, Memory.peakRssBytes());
            List<BenchReport.TargetResult> results = new ArrayList<>();
            double firstMedian = -1;
            for (Runner r : runners) {
                BenchReport.TargetResult result = r.result(firstMedian);
                if (firstMedian < 0) firstMedian = result.wallMs().median();
                results.add(result);
            }
            int threads = environment.get("threads") instanceof Integer n ? n : 0;
            report = new BenchReport(created.toString(), environment,
                    new BenchReport.Settings(options.warmupRuns(), options.warmupMinSeconds(), options.runs(),
                            options.minSeconds(), threads, targets.size() > 1),
                    new BenchReport.InputInfo(options.input().kind(), options.input().description(),
                            options.input().tensor().shape().clone()),
                    new BenchReport.ClockInfo(clocks.implementation(), clocks.wallClock(), clocks.cpuClock(),
                            clocks.fallbackReason()),
                    overhead, Memory.peakSource(), peakResetPerTarget, processPeak, results);
        } finally {
            closeAll(targets, runners);
        }
        options.listener().onBenchmarkEnd(report);
        return report;
    }

    /** The machine as every report names it ({@link MachineInfo}); the backend only when the harness sets threads. */
    private Map<String, Object> environment() {
        Map<String, Object> env = new LinkedHashMap<>();
        env.put("cpu", MachineInfo.detectCpuModel());
        env.put("cpus", Runtime.getRuntime().availableProcessors());
        env.put("os", System.getProperty("os.name") + " " + System.getProperty("os.version"));
        env.put("platform", Backends.platform());
        env.put("java", System.getProperty("java.vm.name") + " " + System.getProperty("java.version"));
        String emulation = System.getenv(MachineInfo.EMULATION_ENV);
        if (emulation != null && !emulation.isBlank()) env.put("emulation", emulation);
        if (options.threads() > 0) {
            Runtimes.setThreads(options.threads());
            env.put("threads", options.threads());
        }
        return env;
    }

    /**
     * The runtimes the loaded targets use, with versions. LibTorch is named (backend and version) only
     * when a target runs on it, so a run of ONNX files never loads it.
     */
    private static Map<String, Object> runtimes(List<BenchTarget> targets) {
        Map<String, Object> env = new LinkedHashMap<>();
        boolean libtorch = targets.stream().anyMatch(t -> !t.kind().equals(ModelFormat.ONNX.id) && !t.kind().equals(ModelFormat.TFLITE.id));
        if (libtorch) {
            Backend b = Backends.get();
            env.putAll(MachineInfo.of(b).toJson()); // backend, LibTorch version, engines, XNNPACK, load average
        }
        env.put("runtimes", Runtimes.loadedVersions());
        return env;
    }

    /** Load, first inference and warm-up of one target. */
    private Runner prepare(BenchTarget target) {
        options.listener().onLoadStart(target.name());
        boolean reset = Memory.resetPeak();
        long rssBefore = Memory.currentRssBytes();
        long t0 = clocks.wallNs();
        target.load();
        long loadNs = clocks.wallNs() - t0;
        options.listener().onLoadEnd(target.name(), loadNs);
        target.prepare(options.input().tensor());
        Runner r = target.nativeLoop().<Runner>map(l -> new NativeRunner(target, l)).orElseGet(() -> new JavaRunner(target, clocks));
        r.loadNs = loadNs;
        r.rssBefore = rssBefore;
        r.timed(1);
        r.firstNs = r.wallNs()[0];
        r.clearSamples();
        options.listener().onWarmupStart(target.name());
        long w0 = clocks.wallNs();
        long minWarmNs = seconds(options.warmupMinSeconds());
        int done = 0;
        if (options.warmupRuns() > 0) {
            r.warm(options.warmupRuns());
            done = options.warmupRuns();
        }
        while (clocks.wallNs() - w0 < minWarmNs) {
            r.warm(1);
            done++;
        }
        r.warmupRuns = done;
        r.warmupNs = clocks.wallNs() - w0;
        r.peakRss = Memory.peakRssBytes();
        peakResetPerTarget &= reset;
        return r;
    }

    /** Rounds of one call per target until every target has enough runs and enough measured time. */
    private void measureInterleaved(List<Runner> runners) {
        long minNs = seconds(options.minSeconds());
        int rounds = 0;
        options.listener().onMeasureStart(runners.size(), options.runs());
        long start = clocks.wallNs();
        if (runners.size() == 1 && runners.get(0) instanceof NativeRunner n && options.runs() > 0) {
            // A single native loop can run the counted part in one call.
            n.timed(options.runs());
            rounds = options.runs();
        }
        while (!enough(runners, rounds, minNs)) {
            for (Runner r : runners) r.timed(1);
            rounds++;
            options.listener().onRoundEnd(rounds, options.runs(), clocks.wallNs() - start);
        }
        options.listener().onMeasureEnd(rounds, clocks.wallNs() - start);
    }

    private boolean enough(List<Runner> runners, int rounds, long minNs) {
        if (rounds < options.runs()) return false;
        for (Runner r : runners) {
            if (r.measuredWallNs() < minNs) return false;
        }
        return true;
    }

    private void closeAll(List<BenchTarget> targets, List<Runner> runners) {
        RuntimeException failure = null;
        for (int i = runners.size() - 1; i >= 0; i--) runners.get(i).closeTimer();
        for (int i = targets.size() - 1; i >= 0; i--) {
            try {
                targets.get(i).close();
            } catch (RuntimeException e) {
                if (failure == null) failure = e;
            }
        }
        if (failure != null) throw failure;
    }

    private static long seconds(double s) {
        return (long) (s * 1e9);
    }

    /** One target's loop: the harness's timer around runOnce, or the backend's native loop. */
    private abstract static class Runner {
        final BenchTarget target;
        long loadNs;
        long firstNs;
        long rssBefore;
        long peakRss;
        int warmupRuns;
        long warmupNs;
        double sink;

        Runner(BenchTarget target) {
            this.target = target;
        }

        /** Runs {@code n} timed calls, appending their samples. */
        abstract void timed(int n);

        abstract void warm(int n);

        abstract long measuredWallNs();

        abstract void clearSamples();

        abstract long[] wallNs();

        abstract long[] cpuNs();

        abstract String loopName();

        void closeTimer() {
        }

        BenchReport.TargetResult result(double firstMedianMs) {
            long[] wall = wallNs();
            long[] cpu = cpuNs();
            Stats wallMs = Stats.of(wall).scaled(1e-6);
            boolean cpuKnown = cpu.length > 0 && cpu[0] >= 0;
            double total = 0;
            for (long w : wall) total += w;
            double ratio = firstMedianMs < 0 ? 1.0 : wallMs.median() / firstMedianMs;
            return new BenchReport.TargetResult(target.name(), target.kind(), target.source(), target.timedCall(),
                    loopName(), loadNs / 1e6, firstNs / 1e6, warmupRuns, warmupNs / 1e9, wallMs,
                    cpuKnown ? Stats.of(cpu).scaled(1e-6) : null, wall.length / (total / 1e9), ratio,
                    rssBefore, peakRss, sink, wall, cpu, null, target.inputLayout(), target.inputConversionMs());
        }
    }

    private static final class JavaRunner extends Runner {
        private final SampleTimer timer;

        JavaRunner(BenchTarget target, Clocks clocks) {
            super(target);
            this.timer = clocks.newTimer(1024);
        }

        @Override
        void timed(int n) {
            for (int i = 0; i < n; i++) {
                timer.start();
                target.runOnce();
                timer.stop();
                sink += target.consume();
            }
        }

        @Override
        void warm(int n) {
            for (int i = 0; i < n; i++) {
                target.runOnce();
                sink += target.consume();
            }
        }

        @Override
        long measuredWallNs() {
            return timer.totalWallNs();
        }

        @Override
        void clearSamples() {
            timer.clear();
        }

        @Override
        long[] wallNs() {
            return timer.wallNs();
        }

        @Override
        long[] cpuNs() {
            return timer.cpuNs();
        }

        @Override
        String loopName() {
            return "java";
        }

        @Override
        void closeTimer() {
            timer.close();
        }
    }

    private static final class NativeRunner extends Runner {
        private final NativeLoop loop;
        private final LongList wall = new LongList();
        private final LongList cpu = new LongList();
        private long total;

        NativeRunner(BenchTarget target, NativeLoop loop) {
            super(target);
            this.loop = loop;
        }

        @Override
        void timed(int n) {
            NativeLoop.Samples s = loop.run(0, n);
            if (s.wallNs().length != n) {
                throw new IllegalStateException(target.name() + ": native loop returned " + s.wallNs().length + " samples for " + n + " runs");
            }
            wall.addAll(s.wallNs());
            cpu.addAll(s.cpuNs());
            for (long w : s.wallNs()) total += w;
            sink += s.sink();
        }

        @Override
        void warm(int n) {
            sink += loop.run(n, 0).sink();
        }

        @Override
        long measuredWallNs() {
            return total;
        }

        @Override
        void clearSamples() {
            wall.clear();
            cpu.clear();
            total = 0;
        }

        @Override
        long[] wallNs() {
            return wall.toArray();
        }

        @Override
        long[] cpuNs() {
            return cpu.toArray();
        }

        @Override
        String loopName() {
            return "native";
        }
    }

    /** A growable long array. */
    private static final class LongList {
        private long[] values = new long[64];
        private int size;

        void addAll(long[] more) {
            if (size + more.length > values.length) values = java.util.Arrays.copyOf(values, Math.max(values.length * 2, size + more.length));
            System.arraycopy(more, 0, values, size, more.length);
            size += more.length;
        }

        void clear() {
            size = 0;
        }

        long[] toArray() {
            return java.util.Arrays.copyOf(values, size);
        }
    }
}
