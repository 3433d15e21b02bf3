package org.edgetorch.study;

import org.edgetorch.tensor.FloatTensor;

import java.util.List;

/**
 * Times the study's variants against each other. The study depends on this interface only, so the
 * timing implementation (a plain Java timer, or the native benchmark harness) is swapped in one place:
 * {@link LatencyMeters#create()}.
 */
public interface LatencyMeter {

    /** One line for the report: what is timed and with which clock. */
    String description();

    /**
     * Loads every model, warms each up, then measures them interleaved (A B C A B C ...) so that
     * machine noise hits all alike. Ratios are filled in by the caller.
     *
     * @param inputName {@code dummy} or {@code image:<name>}, copied into the results
     */
    List<Latency> measure(List<StudyModel> models, FloatTensor input, String inputName, int threads, LatencyPlan plan,
                          Progress.Task task);

    /**
     * Memory, CPU and energy of each model alone in a child process, in model order; an empty list when this meter
     * cannot (the study then reports them as not measured).
     *
     * @param eager how the child rebuilds the eager model (architecture, seed, weights)
     */
    default List<org.edgetorch.bench.ResourceUsage> resources(List<StudyModel> models, FloatTensor input, int threads,
                                                               LatencyPlan plan, org.edgetorch.bench.BenchTargets.Context eager,
                                                               Progress.Task task) {
        return List.of();
    }
}
