package org.edgetorch.bench;

import org.edgetorch.util.UserError;


/**
 * How {@link Benchmark#run} measures.
 *
 * <p>Warm-up: after its first (separately reported) inference, each target runs untimed until it has
 * done at least {@code warmupRuns} calls <em>and</em> spent at least {@code warmupMinSeconds}. Measured
 * runs: the targets take turns, one call each (A B A B ...), until every target has at least
 * {@code runs} samples <em>and</em> at least {@code minSeconds} of summed measured time. As in TFLite's
 * {@code benchmark_model}, a count of 0 or a time of 0 leaves only the other criterion.
 *
 * @param threads  LibTorch intra-op threads to set through the backend; 0 leaves the setting alone
 *                 (and the harness then does not touch the backend at all)
 * @param listener told what the harness does, as it does it; null for {@link BenchListener#NONE}
 */
public record BenchOptions(int warmupRuns, double warmupMinSeconds, int runs, double minSeconds, int threads,
                           BenchInput input, BenchListener listener) {

    public static final int DEFAULT_WARMUP_RUNS = 5;
    public static final double DEFAULT_WARMUP_SECONDS = 0.5;
    public static final int DEFAULT_RUNS = 50;
    public static final double DEFAULT_MIN_SECONDS = 1.0;

    public BenchOptions {
        if (warmupRuns < 0) throw new UserError("--warmup must be 0 or more, got " + warmupRuns);
        if (!(warmupMinSeconds >= 0) || Double.isInfinite(warmupMinSeconds)) {
            throw new UserError("--warmup-time must be 0 or more seconds, got " + warmupMinSeconds);
        }
        if (runs < 0) throw new UserError("--runs must be 0 or more, got " + runs);
        if (!(minSeconds >= 0) || Double.isInfinite(minSeconds)) {
            throw new UserError("--min-time must be 0 or more seconds, got " + minSeconds);
        }
        if (runs == 0 && minSeconds == 0) throw new UserError("nothing to measure: --runs and --min-time are both 0");
        if (threads < 0) throw new UserError("--threads must be at least 1, got " + threads);
        if (input == null) throw new IllegalArgumentException("input is required");
        if (listener == null) listener = BenchListener.NONE;
    }

    /** The defaults of the {@code bench} command on {@code input}, 1 thread, no progress. */
    public static BenchOptions defaults(BenchInput input) {
        return new BenchOptions(DEFAULT_WARMUP_RUNS, DEFAULT_WARMUP_SECONDS, DEFAULT_RUNS, DEFAULT_MIN_SECONDS, 1, input, null);
    }

    public BenchOptions withWarmup(int count, double minSeconds) {
        return new BenchOptions(count, minSeconds, runs, this.minSeconds, threads, input, listener);
    }

    public BenchOptions withRuns(int count, double minSeconds) {
        return new BenchOptions(warmupRuns, warmupMinSeconds, count, minSeconds, threads, input, listener);
    }

    public BenchOptions withThreads(int count) {
        return new BenchOptions(warmupRuns, warmupMinSeconds, runs, minSeconds, count, input, listener);
    }

    public BenchOptions withInput(BenchInput in) {
        return new BenchOptions(warmupRuns, warmupMinSeconds, runs, minSeconds, threads, in, listener);
    }

    public BenchOptions withListener(BenchListener l) {
        return new BenchOptions(warmupRuns, warmupMinSeconds, runs, minSeconds, threads, input, l);
    }
}
