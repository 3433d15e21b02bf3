package org.edgetorch.study;

import org.bytedeco.javacpp.PointerScope;
import org.bytedeco.pytorch.GradMode;
import org.bytedeco.pytorch.Tensor;
import org.edgetorch.bench.BenchTarget;
import org.edgetorch.nn.TorchvisionModel;
import org.edgetorch.tensor.FloatTensor;
import org.edgetorch.tensor.Tensors;

/**
 * The study's FP32 eager model as a bench target. Built once by the model stage (seeded initialization and
 * BatchNorm re-estimation take seconds), so "load" hands it over and has no time of its own to report;
 * the timed call is the same as {@code bench --model eager}'s.
 */
final class PrebuiltEagerTarget implements BenchTarget {
    private final String name;
    private final TorchvisionModel model;
    private boolean gradWasEnabled;
    private Tensor input;
    private Tensor last;

    PrebuiltEagerTarget(String name, TorchvisionModel model) {
        this.name = name;
        this.model = model;
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
        return model.source();
    }

    @Override
    public String timedCall() {
        return "TorchvisionModel.forward(Tensor), op by op through the presets, in a PointerScope (autograd off)";
    }

    @Override
    public void load() {
        // built by the model stage
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
        // the scope frees this call's intermediate tensors; the extra reference keeps the output past it
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
        // the model belongs to the study
    }
}
