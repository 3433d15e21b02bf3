package org.edgetorch.nn;

import org.bytedeco.pytorch.Scalar;
import org.bytedeco.pytorch.Tensor;
import org.bytedeco.pytorch.TensorOptional;
import org.bytedeco.pytorch.global.torch;

/** Runs each operation at once through LibTorch's ATen ops, in eval semantics. */
public class EagerOps implements Ops {
    static final double BATCH_NORM_EPS = 1e-5;
    static final double BATCH_NORM_MOMENTUM = 0.1;

    protected final StateDict weights;

    public EagerOps(StateDict weights) {
        this.weights = weights;
    }

    @Override
    public Tensor conv2d(Tensor x, String prefix, boolean bias, int stride, int padding, int groups) {
        TensorOptional b = bias ? new TensorOptional(weights.get(prefix + ".bias")) : new TensorOptional();
        return torch.conv2d(x, weights.get(prefix + ".weight"), b,
                new long[]{stride, stride}, new long[]{padding, padding}, new long[]{1, 1}, groups);
    }

    @Override
    public Tensor batchNorm(Tensor x, String prefix) {
        return torch.batch_norm(x,
                new TensorOptional(weights.get(prefix + ".weight")), new TensorOptional(weights.get(prefix + ".bias")),
                new TensorOptional(weights.get(prefix + ".running_mean")), new TensorOptional(weights.get(prefix + ".running_var")),
                false, BATCH_NORM_MOMENTUM, BATCH_NORM_EPS, false);
    }

    @Override
    public Tensor relu(Tensor x) {
        return torch.relu(x);
    }

    @Override
    public Tensor relu6(Tensor x) {
        return torch.hardtanh(x, new Scalar(0.0), new Scalar(6.0));
    }

    @Override
    public Tensor add(Tensor a, Tensor b) {
        return torch.add(a, b);
    }

    @Override
    public Tensor maxPool2d(Tensor x, int kernel, int stride, int padding) {
        return torch.max_pool2d(x, new long[]{kernel, kernel}, new long[]{stride, stride},
                new long[]{padding, padding}, new long[]{1, 1}, false);
    }

    @Override
    public Tensor adaptiveAvgPool2d(Tensor x, int outputSize) {
        return torch.adaptive_avg_pool2d(x, outputSize, outputSize);
    }

    @Override
    public Tensor flatten(Tensor x, int startDim) {
        return torch.flatten(x, startDim, -1);
    }

    @Override
    public Tensor dropout(Tensor x, double p) {
        return torch.dropout(x, p, false);
    }

    @Override
    public Tensor linear(Tensor x, String prefix) {
        return torch.linear(x, weights.get(prefix + ".weight"), new TensorOptional(weights.get(prefix + ".bias")));
    }

    @Override
    public Tensor hardswish(Tensor x) {
        return torch.hardswish(x);
    }
}
