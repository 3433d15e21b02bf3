package org.edgetorch.nn;

import java.util.Arrays;

/** One entry of an architecture's state dict: torchvision's name, shape, and whether it is a buffer. */
public record TensorSpec(String name, long[] shape, Kind kind) {

    public enum Kind {
        /** A learnable parameter (float32). */
        PARAMETER,
        /** A float32 buffer such as BatchNorm running statistics. */
        BUFFER,
        /** An int64 scalar buffer ({@code num_batches_tracked}). */
        COUNTER
    }

    public long numel() {
        long n = 1;
        for (long d : shape) n *= d;
        return n;
    }

    public String shapeString() {
        return Arrays.toString(shape);
    }
}
