package org.edgetorch.tensor;

import java.util.Arrays;

/**
 * A dense float32 tensor in row-major (NCHW) order, owned by Java. This is the only tensor type that
 * crosses the {@link org.edgetorch.backend.Backend} boundary, so that the bridge backend needs no
 * Bytedeco classes.
 */
public record FloatTensor(long[] shape, float[] data) {

    public FloatTensor {
        long n = 1;
        for (long d : shape) {
            if (d < 0) throw new IllegalArgumentException("negative dimension in " + Arrays.toString(shape));
            n *= d;
        }
        if (n != data.length) {
            throw new IllegalArgumentException("shape " + Arrays.toString(shape) + " needs " + n
                    + " values, got " + data.length);
        }
    }

    public int dim() {
        return shape.length;
    }

    public long size(int d) {
        return shape[d];
    }

    public long numel() {
        return data.length;
    }

    /** Row {@code i} of a 2-D tensor (one sample's logits). */
    public float[] row(int i) {
        if (shape.length != 2) throw new IllegalStateException("row() needs a 2-D tensor, shape is " + Arrays.toString(shape));
        int cols = (int) shape[1];
        return Arrays.copyOfRange(data, i * cols, (i + 1) * cols);
    }

    public String shapeString() {
        return Arrays.toString(shape);
    }
}
