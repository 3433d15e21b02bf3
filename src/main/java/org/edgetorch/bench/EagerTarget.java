package org.edgetorch.bench;

import org.bytedeco.javacpp.PointerScope;
import org.bytedeco.pytorch.GradMode;
import org.bytedeco.pytorch.Tensor;
import org.edgetorch.nn.Architectures;
import org.edgetorch.nn.BuiltInModels;
import org.edgetorch.nn.TorchvisionModel;
import org.edgetorch.runtime.Capability;
import org.edgetorch.runtime.Runtimes;
import org.edgetorch.tensor.FloatTensor;
import org.edgetorch.tensor.Tensors;
import org.edgetorch.util.UserError;

import java.nio.file.Path;

/**
 * The eager Java model ({@link TorchvisionModel}: MobileNet-V2 or ResNet-18 run op by op through the
 * presets), built as every command builds it ({@link BuiltInModels#create}): torchvision weights from
 * a state dict, or the seeded initialization with BatchNorm statistics re-estimated on the bundled
 * calibration photos, which then counts as its load time.
 */
public final class EagerTarget implements BenchTarget {
    private final String name;
    private final String architecture;
    private final Path weights;
    private final long seed;
    /** Built by the caller and handed over ({@link #prebuilt}): load has nothing to do or time. */
    private final boolean prebuilt;
    private TorchvisionModel model;
    private boolean gradWasEnabled;
    private Tensor input;
    private Tensor last;

    EagerTarget(String name, String architecture, Path weights, long seed) {
        this.name = name;
        this.architecture = architecture;
        this.weights = weights;
        this.seed = seed;
        this.prebuilt = false;
        Architectures.byName(architecture);  // an unknown name fails before anything loads
    }

    private EagerTarget(String name, TorchvisionModel model) {
        this.name = name;
        this.architecture = model.architecture().name();
        this.weights = null;
        this.seed = 0;
        this.prebuilt = true;
        this.model = model;
    }

    /** An eager model someone else built (the study's model stage); its owner closes it. */
    public static EagerTarget prebuilt(String name, TorchvisionModel model) {
        return new EagerTarget(name, model);
    }

    @Override
    public String name() {
        return name;
    }

    @Override
    public String kind() {
        return "eager";
    }

    @Override
    public String source() {
        if (model != null) return model.source();
        return "eager " + architecture + " (" + (weights != null ? "weights " + weights : "seeded initialization (seed " + seed + ")") + ")";
    }

    @Override
    public String timedCall() {
        return "TorchvisionModel.forward(Tensor), op by op through the presets, in a PointerScope (autograd off)";
    }

    @Override
    public void load() {
        if (prebuilt) return;
        // the eager Java model runs op by op through the presets: a capability of this process's LibTorch
        if (!Runtimes.get(Runtimes.LIBTORCH).hasCapability(Capability.JAVA_MODELS)) {
            throw new UserError("--model eager: the eager Java model runs on the bytedeco backend only");
        }
        model = BuiltInModels.create(architecture, weights, seed);
    }

    @Override
    public void prepare(FloatTensor in) {
        TorchvisionModel.checkInput(in);
        gradWasEnabled = GradMode.is_enabled();
        GradMode.set_enabled(false);
        input = Tensors.toTorch(in);
    }

    @Override
    public void runOnce() {
        // The scope frees the intermediate tensors of this call, as an application would; the extra
        // reference keeps the output past it (PointerScope.detach would release it at once).
        try (PointerScope scope = new PointerScope()) {
            last = model.forward(input).retainReference();
        }
    }

    @Override
    public double consume() {
        if (last == null) return 0;
        try (PointerScope scope = new PointerScope()) {
            return last.sum().item_double();
        } finally {
            last.releaseReference();
            last = null;
        }
    }

    @Override
    public void close() {
        if (last != null) last.releaseReference();
        last = null;
        if (input != null) {
            input.close();
            input = null;
            GradMode.set_enabled(gradWasEnabled);
        }
        if (!prebuilt && model != null) model.close();
        if (!prebuilt) model = null;
    }
}
