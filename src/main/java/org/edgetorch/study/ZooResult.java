package org.edgetorch.study;

import org.edgetorch.util.MachineInfo;

import java.util.ArrayList;
import java.util.List;

/**
 * What {@code edgetorch zoo} found: one short study per model file.
 *
 * @param threads the intra-op thread count every variant was timed at
 */
public record ZooResult(String created, String edgetorchVersion, String command, MachineInfo machine, boolean quick,
                        int threads, List<Entry> models) {

    /** Variants of each model, in the order of the zoo's table and chart. */
    public static final List<String> VARIANTS = List.of(Variant.FP32_TORCHSCRIPT, Variant.int8Static("onednn"),
            Variant.int8Static("qnnpack"), Variant.int8Static("x86"), Variant.int8Static("fbgemm"), "fp32-onnxruntime",
            "int8-onnxruntime", Variant.FP32_TFLITE, Variant.INT8_TFLITE);

    /**
     * @param study null when the model could not be studied at all; then {@code error} says why
     */
    public record Entry(String file, String name, StudyResult study, String error) {

        /** The model's variants in {@link #VARIANTS} order. */
        public List<Variant> variants() {
            List<Variant> out = new ArrayList<>();
            if (study == null) return out;
            for (String id : VARIANTS) {
                Variant v = study.variant(id);
                if (v != null) out.add(v);
            }
            return out;
        }

        /** The variant's latency on the dummy input at the zoo's thread count, or null. */
        public Latency latency(String variant) {
            return study == null ? null : study.latency(variant, study.threads().get(0), "dummy");
        }

        public List<StageRecord> failedStages() {
            return study == null ? List.of() : study.stages().stream().filter(s -> s.status().equals(StageRecord.FAILED)).toList();
        }
    }

    public boolean anyFailure() {
        return models.stream().anyMatch(e -> e.error() != null || !e.failedStages().isEmpty());
    }
}
