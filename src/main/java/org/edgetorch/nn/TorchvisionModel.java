package org.edgetorch.nn;

import org.bytedeco.javacpp.FloatPointer;
import org.bytedeco.javacpp.PointerScope;
import org.bytedeco.pytorch.Tensor;
import org.bytedeco.pytorch.global.torch;
import org.edgetorch.runtime.Model;
import org.edgetorch.tensor.FloatTensor;
import org.edgetorch.tensor.Tensors;
import org.edgetorch.util.UserError;

import java.nio.file.Path;
import java.util.SplittableRandom;

/**
 * The eager Java model: an {@link Architecture} with its weights, run op by op through LibTorch
 * (eval semantics). Either real torchvision weights or a seeded, untrained initialization.
 */
public final class TorchvisionModel implements Model {
    private final Architecture architecture;
    private final StateDict weights;
    private final boolean trained;
    private final String origin;

    private TorchvisionModel(Architecture architecture, StateDict weights, boolean trained, String origin) {
        this.architecture = architecture;
        this.weights = weights;
        this.trained = trained;
        this.origin = origin;
    }

    /** torchvision's initialization scheme, drawn from a seeded Java generator: untrained. */
    public static TorchvisionModel seeded(Architecture arch, long seed) {
        SplittableRandom rng = new SplittableRandom(seed);
        StateDict sd = new StateDict();
        for (TensorSpec s : arch.stateDictSpec()) {
            float[] values = arch.initialize(s, rng);
            Tensor t;
            if (s.kind() == TensorSpec.Kind.COUNTER) {
                t = torch.zeros(s.shape(), new org.bytedeco.pytorch.TensorOptions(torch.ScalarType.Long));
            } else {
                try (FloatPointer p = new FloatPointer(values)) {
                    t = torch.from_blob(p, s.shape()).clone();
                }
            }
            sd.put(s.name(), t);
        }
        return new TorchvisionModel(arch, sd, false, "seeded initialization (seed " + seed + ")");
    }

    /** A torchvision state dict saved by PyTorch's {@code torch.save}: trained weights. */
    public static TorchvisionModel fromWeights(Architecture arch, Path file) {
        return new TorchvisionModel(arch, TorchvisionWeights.load(file, arch), true, "weights " + file);
    }

    /**
     * The eager model with the weights a TorchScript module holds under torchvision's names (an exported
     * or a PyTorch-traced torchvision model), so both can be compared on identical weights.
     * Returns null when no known architecture matches the module's state dict.
     */
    /**
     * The eager model with the parameters of a TorchScript file of a built-in architecture, or null when
     * they are not a built-in architecture's. Needs the Bytedeco backend (the eager model runs on it).
     */
    public static TorchvisionModel fromScriptFile(java.nio.file.Path file) {
        org.edgetorch.backend.Backends.requireBytedeco("the eager Java model");
        org.bytedeco.pytorch.JitModule module = org.edgetorch.backend.ModelFiles.loadChecked(file);
        try {
            return fromModule(module, file.toString());
        } finally {
            module.close();
        }
    }

    public static TorchvisionModel fromModule(org.bytedeco.pytorch.JitModule module, String source) {
        java.util.Map<String, Tensor> found = new java.util.HashMap<>();
        var params = module.named_parameters(true);
        for (var it = params.begin(); it.notEquals(params.end()); it.increment()) {
            found.put(it.access().name().getString(), it.access().value().clone());
        }
        var buffers = module.named_buffers(true);
        for (var it = buffers.begin(); it.notEquals(buffers.end()); it.increment()) {
            found.put(it.access().name().getString(), it.access().value().clone());
        }
        for (String name : Architectures.names()) {
            Architecture arch = Architectures.byName(name);
            if (arch.stateDictSpec().size() != found.size()) continue;
            StateDict sd = new StateDict();
            boolean ok = true;
            for (TensorSpec spec : arch.stateDictSpec()) {
                Tensor t = found.get(spec.name());
                if (t == null || !java.util.Arrays.equals(t.sizes().vec().get(), spec.shape())) {
                    ok = false;
                    break;
                }
                sd.put(spec.name(), t);
            }
            if (ok) return new TorchvisionModel(arch, sd, false, "weights of " + source);
        }
        return null;
    }

    public Architecture architecture() {
        return architecture;
    }

    public StateDict weights() {
        return weights;
    }

    /** False for the seeded initialization: accuracy figures are then meaningless. */
    public boolean trained() {
        return trained;
    }

    public String origin() {
        return origin;
    }

    /** Runs the network on a LibTorch tensor; the caller owns the scope of the result. */
    public Tensor forward(Tensor x) {
        return architecture.forward(new EagerOps(weights), x);
    }

    @Override
    public FloatTensor forward(FloatTensor input) {
        checkInput(input);
        try (PointerScope scope = new PointerScope()) {
            return Tensors.fromTorch(forward(Tensors.toTorch(input)));
        }
    }

    /** The shapes every CNN here accepts; checked in Java because LibTorch's shape errors can be asserts. */
    public static void checkInput(FloatTensor input) {
        long[] s = input.shape();
        if (s.length != 4 || s[1] != 3 || s[0] < 1 || s[2] < 32 || s[3] < 32) {
            throw new UserError("input must be [N, 3, H, W] with N >= 1 and H, W >= 32, got " + input.shapeString());
        }
    }

    @Override
    public String source() {
        return "eager " + architecture.name() + " (" + origin + ")";
    }

    @Override
    public void close() {
        // weights are freed with their Java wrappers
    }
}
