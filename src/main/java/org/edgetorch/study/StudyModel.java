package org.edgetorch.study;

import org.edgetorch.runtime.Model;

import java.util.function.Supplier;

/**
 * A variant together with how to load it for the latency stage. Quantized variants carry their engine:
 * LibTorch packs and dispatches quantized kernels by the engine selected at load and call time.
 *
 * @param fromFile whether {@code loader} reads a file (its time is reported as load time); the eager
 *                 model is built in memory once and handed out as is
 * @param xnnpack  TensorFlow Lite's XNNPACK delegate on or off for this variant alone, or null for the
 *                 process-wide setting: a runtime option that belongs to the variant, not to its file, so one
 *                 .tflite file can be two variants (XNNPACK and TFLite's built-in kernels)
 */
public record StudyModel(Variant variant, Supplier<Model> loader, String engine, boolean fromFile, Boolean xnnpack) {
    public StudyModel(Variant variant, Supplier<Model> loader, String engine, boolean fromFile) {
        this(variant, loader, engine, fromFile, null);
    }
}
