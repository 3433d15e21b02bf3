package org.edgetorch.study;

import org.edgetorch.backend.Backend;
import org.edgetorch.backend.ScriptModel;
import org.edgetorch.tensor.FloatTensor;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/**
 * A plain Java timer: {@code System.nanoTime()} around {@link ScriptModel#forward(FloatTensor)}, which
 * includes copying the input into LibTorch and the logits back (a few tenths of a millisecond). The
 * stand-in until the native benchmark harness is in the build; see {@link LatencyMeters}.
 */
final class NanoTimeMeter implements LatencyMeter {
    private final Backend backend;

    NanoTimeMeter(Backend backend) {
        this.backend = backend;
    }

    @Override
    public String description() {
        return "java System.nanoTime around ScriptModel.forward (includes Java<->LibTorch tensor copies)";
    }

    @Override
    public List<Latency> measure(List<StudyModel> models, FloatTensor input, String inputName, int threads,
                                 LatencyPlan plan, Progress.Task task) {
        backend.setThreads(threads);
        int n = models.size();
        ScriptModel[] loaded = new ScriptModel[n];
        Double[] loadMs = new Double[n];
        double[] firstMs = new double[n];
        int[] warmups = new int[n];
        List<long[]> samples = new ArrayList<>();
        double sink = 0;
        try {
            for (int i = 0; i < n; i++) {
                StudyModel m = models.get(i);
                task.update(0, "loading and warming up " + m.variant().label());
                selectEngine(m);
                long t0 = System.nanoTime();
                loaded[i] = m.loader().get();
                long t1 = System.nanoTime();
                loadMs[i] = m.fromFile() ? (t1 - t0) / 1e6 : null;
                t0 = System.nanoTime();
                sink += loaded[i].forward(input).data()[0];
                firstMs[i] = (System.nanoTime() - t0) / 1e6;
                long warmStart = System.nanoTime();
                while (warmups[i] < plan.warmupRuns() || System.nanoTime() - warmStart < plan.warmupSeconds() * 1e9) {
                    sink += loaded[i].forward(input).data()[0];
                    warmups[i]++;
                }
            }
            long[][] wall = new long[n][Math.max(16, plan.runs())];
            long[] total = new long[n];
            int rounds = 0;
            long measureStart = System.nanoTime();
            while (rounds < plan.runs() || minTotal(total) < plan.minSeconds() * 1e9) {
                for (int i = 0; i < n; i++) {
                    selectEngine(models.get(i));
                    long t0 = System.nanoTime();
                    FloatTensor out = loaded[i].forward(input);
                    long dt = System.nanoTime() - t0;
                    sink += out.data()[0];
                    if (rounds == wall[i].length) wall[i] = Arrays.copyOf(wall[i], rounds * 2);
                    wall[i][rounds] = dt;
                    total[i] += dt;
                }
                rounds++;
                int planned = plannedRounds(plan, rounds, minTotal(total));
                double perRound = (System.nanoTime() - measureStart) / 1e9 / rounds;
                task.update((double) rounds / planned, "round " + rounds + "/" + planned, (planned - rounds) * perRound);
            }
            for (int i = 0; i < n; i++) samples.add(Arrays.copyOf(wall[i], rounds));
        } finally {
            for (ScriptModel m : loaded) if (m != null) m.close();
        }
        List<Latency> out = new ArrayList<>();
        for (int i = 0; i < n; i++) {
            double[] ms = Arrays.stream(samples.get(i)).mapToDouble(v -> v / 1e6).toArray();
            SampleStats s = SampleStats.of(ms);
            out.add(new Latency(models.get(i).variant().id(), threads, inputName, ms.length, warmups[i], s.median(), s.p10(),
                    s.p90(), s.p99(), s.mean(), s.stdev(), s.min(), s.max(), loadMs[i], firstMs[i], null, null,
                    "java System.nanoTime"));
        }
        if (Double.isNaN(sink)) task.update(1, "(non-finite outputs)");  // keeps every output alive
        return out;
    }

    private void selectEngine(StudyModel m) {
        if (m.engine() != null) backend.setQuantizedEngine(m.engine());
    }

    /** Rounds needed: the planned count, or more when the minimum time needs them (estimated from the rounds so far). */
    static int plannedRounds(LatencyPlan plan, int rounds, long minTotalNs) {
        int byTime = minTotalNs <= 0 ? 0 : (int) Math.ceil(plan.minSeconds() * 1e9 / ((double) minTotalNs / rounds));
        return Math.max(rounds, Math.max(plan.runs(), byTime));
    }

    private static long minTotal(long[] totals) {
        long min = Long.MAX_VALUE;
        for (long t : totals) min = Math.min(min, t);
        return totals.length == 0 ? 0 : min;
    }
}
