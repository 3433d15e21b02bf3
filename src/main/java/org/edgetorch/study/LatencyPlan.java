package org.edgetorch.study;

/**
 * How long the latency stage measures each variant: warm-up until both {@code warmupRuns} calls and
 * {@code warmupSeconds} are reached, then interleaved rounds (one call per variant) until every variant
 * has {@code runs} samples and {@code minSeconds} of measured time.
 */
public record LatencyPlan(int warmupRuns, double warmupSeconds, int runs, double minSeconds) {

    /**
     * {@code study}: 100 samples per variant, enough for a stable median and p90 on a shared machine. No
     * minimum time: interleaved, a time floor would be reached last by the fastest variant and make every
     * slow one run as many rounds.
     */
    public static final LatencyPlan FULL = new LatencyPlan(10, 1.0, 100, 0);

    /** {@code study --quick}: a smoke test of every stage, figures indicative only. */
    public static final LatencyPlan QUICK = new LatencyPlan(2, 0, 10, 0);

    /** {@code study --quick}: each resource run (a child process per variant) is a smoke test too. */
    public static final LatencyPlan QUICK_RESOURCES = new LatencyPlan(1, 0, 3, 0);
}
