package org.edgetorch.bench;

import com.google.gson.JsonObject;
import org.edgetorch.backend.NativeLoop;
import org.edgetorch.tensor.FloatTensor;
import org.edgetorch.util.Json;
import org.edgetorch.util.UserError;
import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The harness on targets that need no LibTorch (threads 0: the harness leaves the backend alone). */
class BenchmarkTest {
    private static final BenchInput INPUT = BenchInputs.dummy(new long[]{1, 4}, 0);

    /** A target that records its calls in a shared log and returns its own value. */
    private static BenchTarget fake(String name, List<String> log, double value) {
        return new FunctionTarget<String, FloatTensor, Double>(name, "fake", "test", "a lambda",
                () -> {
                    log.add("load " + name);
                    return name;
                },
                (m, in) -> in,
                (m, in) -> {
                    log.add(name);
                    return value;
                },
                out -> out,
                m -> log.add("close " + name));
    }

    private static BenchOptions options(int warmup, int runs) {
        return new BenchOptions(warmup, 0, runs, 0, 0, INPUT, null);
    }

    @Test
    void measuredRunsAreInterleavedAfterEachTargetsWarmUp() {
        List<String> log = new ArrayList<>();
        BenchReport r = Benchmark.run(List.of(fake("A", log, 1), fake("B", log, 2)), options(2, 3));
        // Per target: load, first inference, 2 warm-ups; then rounds A B; closing in reverse order.
        assertEquals(List.of("load A", "A", "A", "A", "load B", "B", "B", "B",
                "A", "B", "A", "B", "A", "B", "close B", "close A"), log);
        assertEquals(2, r.targets().size());
        assertTrue(r.settings().interleaved());
        for (BenchReport.TargetResult t : r.targets()) {
            assertEquals(3, t.runs());
            assertEquals(2, t.warmupRuns());
            assertEquals("java", t.timingLoop());
        }
        // Every output reached the sink: 1 first + 2 warm-up + 3 measured calls.
        assertEquals(6.0, r.targets().get(0).sink());
        assertEquals(12.0, r.targets().get(1).sink());
        assertEquals(1.0, r.targets().get(0).ratioToFirst());
    }

    @Test
    void minimumTimeExtendsTheMeasuredRuns() {
        List<String> log = new ArrayList<>();
        BenchTarget slow = new FunctionTarget<String, FloatTensor, Double>("slow", "fake", "test", "sleep",
                () -> "m", (m, in) -> in,
                (m, in) -> {
                    long t0 = System.nanoTime();
                    while (System.nanoTime() - t0 < 1_000_000) Thread.onSpinWait();
                    log.add("run");
                    return 0.0;
                }, out -> out, null);
        BenchReport r = Benchmark.run(List.of(slow), new BenchOptions(0, 0, 1, 0.02, 0, INPUT, null));
        BenchReport.TargetResult t = r.targets().get(0);
        // Measuring went on until the calls summed to 20 ms, and stopped with the call that got there
        // (about 20 calls of 1 ms; fewer if the machine preempted some of them).
        long total = 0;
        for (long w : t.wallNs()) total += w;
        long last = t.wallNs()[t.runs() - 1];
        assertTrue(total >= 20_000_000, "measured " + total + " ns");
        assertTrue(total - last < 20_000_000, "went on after reaching the time: " + t.runs() + " runs, " + total + " ns");
        assertEquals(t.runs(), log.size() - 1, "first inference + measured calls");
        assertTrue(t.wallMs().min() >= 1.0, "a 1 ms call measured as " + t.wallMs().min() + " ms");
        assertTrue(t.throughputPerSecond() > 0 && t.throughputPerSecond() <= 1000.0);
    }

    @Test
    void warmUpByTimeRunsUntilTheTimeHasPassed() {
        List<String> log = new ArrayList<>();
        BenchReport r = Benchmark.run(List.of(fake("A", log, 0)), new BenchOptions(0, 0.01, 2, 0, 0, INPUT, null));
        assertTrue(r.targets().get(0).warmupSeconds() >= 0.01);
        assertTrue(r.targets().get(0).warmupRuns() > 0);
        assertEquals(2, r.targets().get(0).runs());
    }

    @Test
    void harnessOverheadIsFarBelowAMicrosecond() {
        // The issue asks for well under 1 µs; this machine measures ~50-100 ns for a start/stop pair.
        // The bound is generous (20 µs) because a shared CI machine can preempt the thread during any
        // sample: the median of 10 000 samples is robust to that, but not to a machine that is
        // descheduling us half of the time. A real regression (a syscall or allocation in the timed
        // region, a lost JIT) still shows here; the report prints the actual figure.
        BenchReport.Overhead o = Benchmark.measureOverhead(10_000);
        assertEquals(10_000, o.samples());
        assertTrue(o.wallNs().median() < 20_000, "harness overhead median " + o.wallNs().median() + " ns");
        assertTrue(o.wallNs().min() >= 0);
    }

    @Test
    void ratiosCompareMediansToTheFirstTarget() {
        BenchTarget fast = spinner("fast", 500_000);
        BenchTarget slow = spinner("slow", 2_000_000);
        BenchReport r = Benchmark.run(List.of(fast, slow), options(1, 15));
        double ratio = r.targets().get(1).ratioToFirst();
        assertEquals(r.targets().get(1).wallMs().median() / r.targets().get(0).wallMs().median(), ratio, 1e-12);
        // Nominally 4; preemption on a busy machine adds time to individual calls, hence the wide band.
        assertTrue(ratio > 1.5 && ratio < 16, "ratio " + ratio);
    }

    private static BenchTarget spinner(String name, long ns) {
        return new FunctionTarget<String, FloatTensor, Double>(name, "fake", "test", "spin", () -> name,
                (m, in) -> in, (m, in) -> {
                    long t0 = System.nanoTime();
                    while (System.nanoTime() - t0 < ns) Thread.onSpinWait();
                    return 1.0;
                }, out -> out, null);
    }

    @Test
    void nativeLoopIsUsedWhenTheTargetHasOne() {
        List<String> calls = new ArrayList<>();
        NativeLoop loop = new NativeLoop() {
            @Override
            public void prepare(FloatTensor input) {
                calls.add("prepare");
            }

            @Override
            public Samples run(int warmupRuns, int measuredRuns) {
                calls.add("run " + warmupRuns + "," + measuredRuns);
                long[] wall = new long[measuredRuns];
                long[] cpu = new long[measuredRuns];
                java.util.Arrays.fill(wall, 1_000_000);
                java.util.Arrays.fill(cpu, 900_000);
                return new Samples(wall, cpu, warmupRuns + measuredRuns);
            }

            @Override
            public void close() {
                calls.add("close");
            }
        };
        BenchTarget t = new FunctionTarget<String, FloatTensor, Double>("n", "fake", "test", "native", () -> "m",
                (m, in) -> {
                    loop.prepare(in);
                    return in;
                }, (m, in) -> {
                    throw new AssertionError("the Java loop must not run");
                }, out -> out, m -> loop.close());
        BenchTarget withLoop = new DelegatingTarget(t, loop);
        BenchReport r = Benchmark.run(List.of(withLoop), options(3, 4));
        assertEquals(List.of("prepare", "run 0,1", "run 3,0", "run 0,4", "close"), calls);
        BenchReport.TargetResult res = r.targets().get(0);
        assertEquals("native", res.timingLoop());
        assertEquals(4, res.runs());
        assertEquals(1.0, res.wallMs().median(), 1e-12);
        assertEquals(0.9, res.cpuMs().median(), 1e-12);
        assertEquals(1.0, res.firstMs(), 1e-12);
        assertEquals(1 + 3 + 4, res.sink());
    }

    /** A target with a native loop: FunctionTarget is final, so wrap one. */
    private record DelegatingTarget(BenchTarget inner, NativeLoop loop) implements BenchTarget {
        public String name() { return inner.name(); }
        public String kind() { return inner.kind(); }
        public String source() { return inner.source(); }
        public String timedCall() { return inner.timedCall(); }
        public void load() { inner.load(); }
        public void prepare(FloatTensor input) { inner.prepare(input); }
        public void runOnce() { inner.runOnce(); }
        public double consume() { return inner.consume(); }
        public Optional<NativeLoop> nativeLoop() { return Optional.of(loop); }
        public void close() { inner.close(); }
    }

    @Test
    void jsonFollowsTheSchema() {
        BenchReport r = Benchmark.run(List.of(fake("A", new ArrayList<>(), 1), fake("B", new ArrayList<>(), 1)), options(1, 5));
        JsonObject j = Json.parse(BenchFormats.json(r)).getAsJsonObject();
        assertEquals("edgetorch.bench/2", j.get("schema").getAsString());
        assertNotNull(j.get("created"));
        assertEquals("native", j.getAsJsonObject("clock").get("implementation").getAsString());
        JsonObject settings = j.getAsJsonObject("settings");
        assertEquals(5, settings.get("runs").getAsInt());
        assertEquals(1, settings.get("warmup_runs").getAsInt());
        assertTrue(settings.get("interleaved").getAsBoolean());
        assertEquals(4, j.getAsJsonObject("input").getAsJsonArray("shape").get(1).getAsInt());
        assertEquals(10_000, j.getAsJsonObject("harness_overhead").get("samples").getAsInt());
        assertTrue(j.getAsJsonObject("harness_overhead").getAsJsonObject("wall_ns").get("median").getAsDouble() > 0);
        assertNotNull(j.getAsJsonObject("memory").get("process_peak_rss_bytes"));
        var targets = j.getAsJsonArray("targets");
        assertEquals(2, targets.size());
        for (var e : targets) {
            JsonObject t = e.getAsJsonObject();
            for (String key : List.of("name", "kind", "source", "timed_call", "timing_loop", "load_ms",
                    "first_inference_ms", "warmup_runs", "warmup_s", "runs", "wall_ms", "thread_cpu_ms", "throughput_per_s",
                    "ratio_to_first", "in_process_rss_before_load_bytes", "in_process_peak_rss_bytes", "sink", "samples")) {
                assertTrue(t.has(key), "target lacks " + key);
            }
            JsonObject wall = t.getAsJsonObject("wall_ms");
            for (String key : List.of("n", "min", "mean", "median", "p10", "p90", "p99", "max", "stdev")) {
                assertTrue(wall.has(key), "wall_ms lacks " + key);
            }
            assertEquals(5, wall.get("n").getAsInt());
            assertFalse(t.has("resources"), "no resource run was made");
            assertEquals(5, t.getAsJsonObject("samples").getAsJsonArray("wall_ns").size());
            assertTrue(wall.get("min").getAsDouble() <= wall.get("median").getAsDouble());
            assertTrue(wall.get("median").getAsDouble() <= wall.get("max").getAsDouble());
        }
    }

    @Test
    void csvHasTheDocumentedColumns() {
        BenchReport r = Benchmark.run(List.of(fake("a,b", new ArrayList<>(), 1)), options(0, 2));
        String[] lines = BenchFormats.csv(r).split("\r\n");
        assertEquals(2, lines.length);
        assertEquals(String.join(",", BenchFormats.CSV_COLUMNS), lines[0]);
        assertTrue(lines[1].startsWith("edgetorch.bench/2,\"a,b\",fake,"), lines[1]);
    }

    @Test
    void tableShowsEveryTarget() {
        BenchReport r = Benchmark.run(List.of(fake("first", new ArrayList<>(), 1), fake("second", new ArrayList<>(), 1)), options(0, 2));
        String table = BenchFormats.table(r);
        assertTrue(table.contains("median ms"));
        assertTrue(table.lines().anyMatch(l -> l.startsWith("first ") && l.contains("1.00x")));
        assertTrue(table.lines().anyMatch(l -> l.startsWith("second ")));
        assertTrue(table.contains("harness overhead"));
    }

    @Test
    void targetsAreClosedWhenOneFailsToLoad() {
        List<String> log = new ArrayList<>();
        BenchTarget broken = new FunctionTarget<String, FloatTensor, Double>("broken", "fake", "test", "x",
                () -> {
                    throw new UserError("broken: cannot load");
                }, (m, in) -> in, (m, in) -> 0.0, out -> out, null);
        UserError e = assertThrows(UserError.class, () -> Benchmark.run(List.of(fake("A", log, 1), broken), options(0, 1)));
        assertEquals("broken: cannot load", e.getMessage());
        assertTrue(log.contains("close A"));
    }

    @Test
    void optionsRejectNothingToMeasure() {
        assertThrows(UserError.class, () -> new BenchOptions(0, 0, 0, 0, 1, INPUT, null));
        assertThrows(UserError.class, () -> new BenchOptions(-1, 0, 1, 0, 1, INPUT, null));
        assertThrows(UserError.class, () -> new BenchOptions(0, Double.NaN, 1, 0, 1, INPUT, null));
        assertFalse(BenchOptions.defaults(INPUT).runs() == 0);
    }

    @Test
    void listenerHearsEveryStepAsTypedCallsInOrder() {
        List<String> log = new ArrayList<>();
        List<String> events = new ArrayList<>();
        BenchListener recorder = new BenchListener() {
            @Override
            public void onBenchmarkStart(List<String> targets, BenchOptions options) {
                events.add("start " + targets);
            }

            @Override
            public void onLoadStart(String target) {
                events.add("load " + target);
            }

            @Override
            public void onLoadEnd(String target, long loadNs) {
                events.add("loaded " + target + (loadNs >= 0 ? "" : " negative"));
            }

            @Override
            public void onWarmupStart(String target) {
                events.add("warm " + target);
            }

            @Override
            public void onMeasureStart(int targets, int plannedRounds) {
                events.add("measure " + targets + " x " + plannedRounds);
            }

            @Override
            public void onRoundEnd(int rounds, int plannedRounds, long elapsedNs) {
                // the calls of the round happened before it ends
                events.add("round " + rounds + "/" + plannedRounds + " after " + log.get(log.size() - 1));
            }

            @Override
            public void onMeasureEnd(int rounds, long elapsedNs) {
                events.add("measured " + rounds);
            }

            @Override
            public void onBenchmarkEnd(BenchReport report) {
                events.add("end " + report.targets().size() + " closed " + log.contains("close A"));
            }
        };
        Benchmark.run(List.of(fake("A", log, 1), fake("B", log, 2)), options(0, 2).withListener(recorder));
        assertEquals(List.of("start [A, B]", "load A", "loaded A", "warm A", "load B", "loaded B", "warm B",
                "measure 2 x 2", "round 1/2 after B", "round 2/2 after B", "measured 2", "end 2 closed true"), events);
    }
}
