package org.edgetorch.nn;

import java.util.ArrayList;
import java.util.List;

/** Lists state-dict entries the way torchvision's modules register them. */
final class SpecBuilder {
    private final List<TensorSpec> specs = new ArrayList<>();

    SpecBuilder conv(String prefix, int out, int inPerGroup, int k, boolean bias) {
        specs.add(new TensorSpec(prefix + ".weight", new long[]{out, inPerGroup, k, k}, TensorSpec.Kind.PARAMETER));
        if (bias) specs.add(new TensorSpec(prefix + ".bias", new long[]{out}, TensorSpec.Kind.PARAMETER));
        return this;
    }

    SpecBuilder batchNorm(String prefix, int c) {
        specs.add(new TensorSpec(prefix + ".weight", new long[]{c}, TensorSpec.Kind.PARAMETER));
        specs.add(new TensorSpec(prefix + ".bias", new long[]{c}, TensorSpec.Kind.PARAMETER));
        specs.add(new TensorSpec(prefix + ".running_mean", new long[]{c}, TensorSpec.Kind.BUFFER));
        specs.add(new TensorSpec(prefix + ".running_var", new long[]{c}, TensorSpec.Kind.BUFFER));
        specs.add(new TensorSpec(prefix + ".num_batches_tracked", new long[]{}, TensorSpec.Kind.COUNTER));
        return this;
    }

    SpecBuilder linear(String prefix, int out, int in) {
        specs.add(new TensorSpec(prefix + ".weight", new long[]{out, in}, TensorSpec.Kind.PARAMETER));
        specs.add(new TensorSpec(prefix + ".bias", new long[]{out}, TensorSpec.Kind.PARAMETER));
        return this;
    }

    List<TensorSpec> build() {
        return List.copyOf(specs);
    }
}
