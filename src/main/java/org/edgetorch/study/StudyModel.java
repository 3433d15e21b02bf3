package org.edgetorch.study;

import org.edgetorch.runtime.Model;

import java.util.function.Supplier;

/**
 * A variant together with how to load it for the latency stage. A quantized LibTorch file's engine is not here:
 * {@code Runtimes.load} binds the engine the file records (see {@code EngineBoundModel}); {@link Variant#engine()}
 * names it for the report.
 *
 * @param fromFile whether {@code loader} reads a file (its time is reported as load time); the eager
 *                 model is built in memory once and handed out as is
 * @param xnnpack  TensorFlow Lite's XNNPACK delegate on or off for this variant alone, or null for the
 *                 process-wide setting: a runtime option that belongs to the variant, not to its file, so one
 *                 .tflite file can be two variants (XNNPACK and TFLite's built-in kernels)
 */
public record StudyModel(Variant variant, Supplier<Model> loader, boolean fromFile, Boolean xnnpack) {
    public StudyModel(Variant variant, Supplier<Model> loader, boolean fromFile) {
        this(variant, loader, fromFile, null);
    }
}
