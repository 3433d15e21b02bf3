package org.edgetorch.graph;

/**
 * The operations of the model graph. Every consumer (the float interpreter, the LibTorch INT8 emitter, the
 * ONNX and TFLite writers, the shape rules) switches over this enum exhaustively, so a new kind fails to
 * compile until each handles it.
 *
 * <p>Ops that PyTorch spells in several ways arrive here once: {@code silu(x)} is read as
 * {@code x * sigmoid(x)}, a mean over the spatial dims as an adaptive average pool to 1x1 (then a flatten
 * when the dims are not kept), {@code chunk}/{@code split}/{@code narrow} as {@link #SLICE}s,
 * {@code view}/{@code reshape} as {@link #RESHAPE}, {@code transpose}/{@code permute} as {@link #PERMUTE}.
 */
public enum OpKind {
    CONV, BATCH_NORM, LINEAR, ADD, CLAMP, ADAPTIVE_AVG_POOL, AVG_POOL, MAX_POOL, FLATTEN, IDENTITY,
    /** x * relu6(x + 3) / 6 (torchvision's MobileNet-V3). */
    HARDSWISH,
    /** relu6(x + 3) / 6 (squeeze-and-excitation gates of MobileNet-V3). */
    HARDSIGMOID,
    /** 1 / (1 + e^-x) (gates of EfficientNet's squeeze-and-excitation, and half of SiLU). */
    SIGMOID,
    /** Elementwise product of two tensors, with broadcasting (squeeze-and-excitation scaling). */
    MUL,
    /** Concatenation of all inputs along {@link Node#axis}. */
    CAT,
    /** Elements [{@link Node#sliceStart}, {@link Node#sliceEnd}) of {@link Node#axis}, step 1. */
    SLICE,
    /** Keeps the batch dimension and reshapes the rest into {@link Node#shape} (static, no -1). */
    RESHAPE,
    /** Reorders the dimensions by {@link Node#perm}; the batch stays first. */
    PERMUTE;

    /** Whether the op computes new values (and so needs its own quantization parameters). */
    public boolean requantizes() {
        return switch (this) {
            case CONV, LINEAR, ADD, HARDSWISH, HARDSIGMOID, SIGMOID, MUL, CAT -> true;
            case BATCH_NORM, CLAMP, ADAPTIVE_AVG_POOL, AVG_POOL, MAX_POOL, FLATTEN, IDENTITY, SLICE, RESHAPE, PERMUTE -> false;
        };
    }

    /** Whether a following clamp (ReLU, ReLU6) may be fused into this op ({@link Node#fused}). */
    public boolean takesFusedActivation() {
        return this == CONV || this == LINEAR || this == ADD;
    }

    /** Whether the output has a fixed range whatever the input: [0, 1], quantized with fixed parameters (scale 1/256). */
    public boolean hasUnitRange() {
        return this == SIGMOID || this == HARDSIGMOID;
    }
}
