package org.edgetorch.tensor;

import org.bytedeco.javacpp.FloatPointer;
import org.bytedeco.pytorch.Tensor;
import org.bytedeco.pytorch.global.torch;

/** Copies between Java-owned {@link FloatTensor}s and LibTorch tensors of the presets. */
public final class Tensors {
    private Tensors() {
    }

    /** A LibTorch float tensor that owns a copy of the data. */
    public static Tensor toTorch(FloatTensor t) {
        try (FloatPointer p = new FloatPointer(t.data())) {
            return torch.from_blob(p, t.shape()).clone();
        }
    }

    public static FloatTensor fromTorch(Tensor t) {
        Tensor c = t.to(torch.ScalarType.Float).contiguous();
        long[] shape = c.sizes().vec().get();
        float[] data = new float[(int) c.numel()];
        new FloatPointer(c.data_ptr_float()).capacity(data.length).get(data);
        return new FloatTensor(shape, data);
    }
}
