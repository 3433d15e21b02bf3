package org.edgetorch.nn;

import org.bytedeco.pytorch.Tensor;

/**
 * The operations an architecture is written against. Parameters are named by their state-dict prefix
 * (e.g. {@code features.0.0}), so a recording implementation can refer to them as module attributes.
 * {@link EagerOps} runs them; {@code org.edgetorch.jit.TracingOps} also records them into a graph.
 */
public interface Ops {

    /** 2-D convolution with {@code <prefix>.weight} and, when {@code bias}, {@code <prefix>.bias}. */
    Tensor conv2d(Tensor x, String prefix, boolean bias, int stride, int padding, int groups);

    /** Eval-mode BatchNorm with {@code <prefix>.weight/.bias/.running_mean/.running_var}. */
    Tensor batchNorm(Tensor x, String prefix);

    Tensor relu(Tensor x);

    /** ReLU6, i.e. hardtanh(x, 0, 6): what PyTorch's tracer records for nn.ReLU6. */
    Tensor relu6(Tensor x);

    Tensor add(Tensor a, Tensor b);

    Tensor maxPool2d(Tensor x, int kernel, int stride, int padding);

    Tensor adaptiveAvgPool2d(Tensor x, int outputSize);

    Tensor flatten(Tensor x, int startDim);

    /** Dropout in eval mode: the identity, recorded so the graph keeps the model's structure. */
    Tensor dropout(Tensor x, double p);

    Tensor linear(Tensor x, String prefix);

    /**
     * Hardswish, for MobileNet-V3-style models. Eager only: the tracer, the quantizer and the mobile passes do
     * not handle it, so tracing a model that uses it stops with an error naming it.
     */
    Tensor hardswish(Tensor x);
}
