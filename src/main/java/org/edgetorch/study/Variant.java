package org.edgetorch.study;

import org.edgetorch.tensor.Agreement;

/**
 * One model variant of the study, as the report shows it.
 *
 * @param id        stable key used in report.json, charts and the Python side: {@code fp32-eager},
 *                  {@code fp32-torchscript}, {@code int8-dynamic}, {@code int8-static-<engine>},
 *                  {@code fp32-mobile}, {@code int8-static-<engine>-mobile}, {@code fp32-serving},
 *                  {@code fp32-onnxruntime}, {@code int8-onnxruntime}, {@code fp32-tflite}, {@code int8-tflite},
 *                  {@code int8-tflite-builtin} (the same file without XNNPACK)
 * @param label     human-readable name for tables and charts
 * @param stage     the study stage that produced it
 * @param format    {@code eager}, {@code torchscript}, {@code lite-interpreter}, {@code onnx}, {@code tflite}, or
 *                  {@code torchscript-serving} (the FP32 file frozen and optimized for inference in memory at
 *                  load: {@code file} is its source)
 * @param precision {@code fp32} or {@code int8}
 * @param engine    quantized engine its weights are packed for; null for FP32
 * @param file      the artifact, or null for the eager model (nothing on disk)
 * @param bytes     file size, or null without a file
 * @param agreement its logits against FP32 eager's on the held-out photos; null for FP32 eager itself
 */
public record Variant(String id, String label, String stage, String format, String precision, String engine,
                      String file, Long bytes, Agreement agreement) {

    public static final String FP32_EAGER = "fp32-eager";
    public static final String FP32_TORCHSCRIPT = "fp32-torchscript";
    public static final String INT8_DYNAMIC = "int8-dynamic";
    public static final String FP32_MOBILE = "fp32-mobile";
    public static final String FP32_TFLITE = "fp32-tflite";
    public static final String INT8_TFLITE = "int8-tflite";
    public static final String INT8_TFLITE_BUILTIN = "int8-tflite-builtin";

    public static String int8Static(String engine) {
        return "int8-static-" + engine;
    }

    public static String mobile(String baseId) {
        return baseId.equals(FP32_TORCHSCRIPT) ? FP32_MOBILE : baseId + "-mobile";
    }

    /** The runtime that runs it, for tables and findings: the format decides (see {@code Runtimes.choose}). */
    public String runtime() {
        return switch (format) {
            case "onnx" -> "ONNX Runtime";
            case "tflite" -> "TensorFlow Lite";
            default -> "LibTorch";
        };
    }

    public Double megabytes() {
        return bytes == null ? null : bytes / 1e6;
    }
}
