package org.edgetorch.study;

import org.edgetorch.runtime.Model;

import java.util.function.Supplier;

/**
 * A variant together with how to load it for the latency stage. Quantized variants carry their engine:
 * LibTorch packs and dispatches quantized kernels by the engine selected at load and call time.
 *
 * @param fromFile whether {@code loader} reads a file (its time is reported as load time); the eager
 *                 model is built in memory once and handed out as is
 */
public record StudyModel(Variant variant, Supplier<Model> loader, String engine, boolean fromFile) {
}
