package org.edgetorch.nn;

import org.bytedeco.pytorch.Tensor;

import java.util.List;

/** A CNN written against {@link Ops}, with torchvision's state-dict layout and initialization scheme. */
public interface Architecture {

    /** torchvision's name: {@code mobilenet_v2}, {@code resnet18}. */
    String name();

    /** Every tensor of the state dict, in torchvision's order, with names and shapes. */
    List<TensorSpec> stateDictSpec();

    /** Runs the network; every tensor operation goes through {@code ops}. */
    Tensor forward(Ops ops, Tensor x);

    /** torchvision's initialization of one tensor, drawn from {@code rng}. */
    float[] initialize(TensorSpec spec, java.util.random.RandomGenerator rng);

    default long parameterCount() {
        return stateDictSpec().stream().filter(s -> s.kind() == TensorSpec.Kind.PARAMETER).mapToLong(TensorSpec::numel).sum();
    }
}
