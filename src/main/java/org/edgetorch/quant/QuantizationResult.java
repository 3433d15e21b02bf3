package org.edgetorch.quant;

import java.nio.file.Path;

/**
 * What one quantization produced, for the CLI and the study.
 *
 * @param mode                 {@code static} or {@code dynamic}
 * @param engine               quantized engine the weights were packed for (and must run under)
 * @param observer             activation observer (static only, else null)
 * @param perChannelWeights    whether weights have one scale per output channel
 * @param activationQmax       127 with reduce_range, 255 otherwise (static only, else 0)
 * @param inputBytes           size of the FP32 input file
 * @param outputBytes          size of the written file
 * @param convs                quantized convolutions (BatchNorm folded in)
 * @param linears              quantized linear layers
 * @param adds                 quantized additions (residuals)
 * @param fusedActivations     ReLU / ReLU6 / clamps fused into the op before them
 * @param explicitClamps       fused clamps the output range could not apply by saturation alone
 * @param calibrationInputs    number of calibration inputs (static only)
 * @param calibrationMillis    wall time of calibration
 * @param calibrationSqnrDb    SQNR of the quantized model against FP32 on the calibration inputs
 *                             (a self-check; held-out fidelity is {@link Fidelity}'s job), NaN for dynamic
 * @param floatIslands         ops run in float between dequantize and quantize for want of a quantized kernel
 *                             (kind and node name), empty when every op is quantized
 */
public record QuantizationResult(
        Path output,
        String mode,
        String engine,
        String observer,
        boolean perChannelWeights,
        long activationQmax,
        long inputBytes,
        long outputBytes,
        int convs,
        int linears,
        int adds,
        int fusedActivations,
        int explicitClamps,
        int calibrationInputs,
        long calibrationMillis,
        double calibrationSqnrDb,
        java.util.List<String> floatIslands) {

    /** For JSON output and reports (snake_case keys; static-only fields absent for dynamic). */
    public java.util.Map<String, Object> toMap() {
        java.util.Map<String, Object> m = new java.util.LinkedHashMap<>();
        m.put("output", output.toString());
        m.put("mode", mode);
        m.put("engine", engine);
        m.put("weights", perChannelWeights ? "int8 per-channel symmetric" : "int8 per-tensor symmetric");
        m.put("input_bytes", inputBytes);
        m.put("output_bytes", outputBytes);
        m.put("linears", linears);
        if (mode.equals("static")) {
            m.put("observer", observer);
            m.put("activation_qmax", activationQmax);
            m.put("convs", convs);
            m.put("adds", adds);
            m.put("fused_activations", fusedActivations);
            m.put("explicit_clamps", explicitClamps);
            m.put("calibration_inputs", calibrationInputs);
            m.put("calibration_ms", calibrationMillis);
            m.put("calibration_sqnr_db", calibrationSqnrDb);
            m.put("float_islands", floatIslands);
        }
        return m;
    }
}
