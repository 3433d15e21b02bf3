package org.edgetorch.nn;

import org.bytedeco.javacpp.PointerScope;
import org.bytedeco.pytorch.Tensor;
import org.bytedeco.pytorch.global.torch;
import org.edgetorch.tensor.FloatTensor;
import org.edgetorch.tensor.Tensors;

import java.util.List;

/**
 * Re-estimates every BatchNorm's running statistics from a batch of real images, layer by layer in
 * forward order (each layer sees inputs normalized with the statistics already re-estimated upstream).
 * With torchvision's plain initialization an untrained MobileNet-V2's logits are ~1e-9 and INT8 variants
 * output zeros; with statistics from real images its activations and logits spread like a trained model's.
 */
public final class BatchNormReestimation {
    private BatchNormReestimation() {
    }

    public static void run(TorchvisionModel model, List<FloatTensor> images) {
        if (images.isEmpty()) throw new IllegalArgumentException("BatchNorm re-estimation needs at least one image");
        StateDict sd = model.weights();
        try (PointerScope scope = new PointerScope()) {
            Tensor batch = torch.cat(new org.bytedeco.pytorch.TensorVector(images.stream().map(Tensors::toTorch).toArray(Tensor[]::new)));
            model.architecture().forward(new EagerOps(sd) {
                @Override
                public Tensor batchNorm(Tensor x, String prefix) {
                    long[] dims = {0, 2, 3};
                    Tensor mean = torch.mean(x, dims, false, new org.bytedeco.pytorch.ScalarTypeOptional());
                    Tensor var = torch.var(x, dims, true, false);
                    sd.get(prefix + ".running_mean").copy_(mean);
                    sd.get(prefix + ".running_var").copy_(var);
                    Tensor counter = sd.get(prefix + ".num_batches_tracked");
                    counter.copy_(counter.add(new org.bytedeco.pytorch.Scalar(1L)));
                    return super.batchNorm(x, prefix);
                }
            }, batch);
        }
    }
}
