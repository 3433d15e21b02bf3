package org.edgetorch.study;

import org.edgetorch.util.MachineInfo;
import java.util.List;
import java.util.Map;

/**
 * Everything one study run found; {@link ReportJson}, {@link ReportMarkdown} and {@link ReportCharts}
 * render it.
 *
 * @param created     UTC time the study started (ISO 8601)
 * @param command     how to reproduce it
 * @param weights     the model and whether its weights were trained
 * @param heldOut     names of the held-out photos behind every agreement figure
 * @param calibration names of the photos static INT8 was calibrated on
 * @param timer       how latency was timed ({@link LatencyMeter#description()})
 * @param python      null when {@code --with-python} was not given
 * @param accuracy    top-1/top-5 per variant id on the labelled held-out images; empty without labels
 * @param labels      where the labels came from, or null
 */
public record StudyResult(String created, String edgetorchVersion, String command, MachineInfo machine,
                          ModelInfo weights, boolean quick, List<Integer> threads, LatencyPlan plan, String timer,
                          List<String> heldOut, List<String> calibration, List<StageRecord> stages, List<Variant> variants, List<Latency> latency,
                          Map<String, Object> verification, PythonResult python, List<String> notes,
                          Map<String, org.edgetorch.tensor.Accuracy> accuracy, String labels) {

    /**
     * @param trained false for the seeded initialization: accuracy figures then mean nothing
     * @param origin  where the weights came from (a file, or the seed)
     */
    public record ModelInfo(String arch, long parameters, boolean trained, String origin, long seed, String weightsFile) {
    }

    public boolean anyStageFailed() {
        return stages.stream().anyMatch(s -> s.status().equals(StageRecord.FAILED));
    }

    public Variant variant(String id) {
        return variants.stream().filter(v -> v.id().equals(id)).findFirst().orElse(null);
    }

    public Latency latency(String variant, int threads, String input) {
        return latency.stream().filter(l -> l.variant().equals(variant) && l.threads() == threads && l.input().equals(input))
                .findFirst().orElse(null);
    }

    /** The inputs latency was measured on, in order ({@code dummy} first). */
    public List<String> latencyInputs() {
        return latency.stream().map(Latency::input).distinct().toList();
    }
}
