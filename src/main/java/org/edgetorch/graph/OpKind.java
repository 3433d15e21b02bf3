package org.edgetorch.graph;

/**
 * The operations of the model graph. Every consumer (the float interpreter, the LibTorch INT8 emitter, the
 * ONNX writer) switches over this enum exhaustively, so a new kind fails to compile until each handles it.
 */
public enum OpKind {
    CONV, BATCH_NORM, LINEAR, ADD, CLAMP, ADAPTIVE_AVG_POOL, AVG_POOL, MAX_POOL, FLATTEN, IDENTITY;

    /** Whether the op computes new values (and so needs its own quantization parameters). */
    public boolean requantizes() {
        return this == CONV || this == LINEAR || this == ADD;
    }
}
