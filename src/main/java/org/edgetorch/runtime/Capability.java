package org.edgetorch.runtime;

/** What a runtime can do beyond running a model file, asked with {@link Runtime#hasCapability}. */
public enum Capability {
    /** Runs INT8 models. */
    INT8,
    /** Has selectable quantized engines (LibTorch: fbgemm, x86, onednn, qnnpack). */
    QUANTIZED_ENGINES,
    /** Has XNNPACK kernels. */
    XNNPACK,
    /** Times warm-up and measured calls in a loop in native code (the LibTorch bridge). */
    NATIVE_TIMING_LOOP,
    /** Runs edgetorch's eager Java models and traces them (LibTorch through Bytedeco's presets only). */
    JAVA_MODELS
}
