package org.edgetorch.bench;

import org.bytedeco.javacpp.PointerScope;
import org.bytedeco.pytorch.GradMode;
import org.bytedeco.pytorch.IValue;
import org.bytedeco.pytorch.IValueVector;
import org.bytedeco.pytorch.Tensor;
import org.edgetorch.tensor.FloatTensor;
import org.edgetorch.tensor.Tensors;

import java.nio.file.Path;

/**
 * {@link ServingModel} in the harness: spec {@code serving:FILE.pt}. Its load time includes freeze and
 * optimize_for_inference.
 */
public final class ServingTarget implements BenchTarget {
    public static final String PREFIX = "serving:";

    private final String name;
    private final Path file;
    private ServingModel model;
    private boolean gradWasEnabled;
    private Tensor input;
    private IValueVector inputs;
    private IValue last;

    public ServingTarget(String name, Path file) {
        this.name = name;
        this.file = file;
    }

    @Override
    public String name() {
        return name;
    }

    @Override
    public String kind() {
        return "torchscript-serving";
    }

    @Override
    public String source() {
        return file.toString();
    }

    @Override
    public String timedCall() {
        return "JitModule.forward(IValueVector) of torch.jit.optimize_for_inference(torch.jit.freeze(module)), built at load";
    }

    @Override
    public void load() {
        model = ServingModel.load(file);
    }

    @Override
    public void prepare(FloatTensor in) {
        gradWasEnabled = GradMode.is_enabled();
        GradMode.set_enabled(false);
        input = Tensors.toTorch(in);
        inputs = new IValueVector(new IValue(input));
    }

    @Override
    public void runOnce() {
        last = model.forward(inputs);
    }

    @Override
    public double consume() {
        if (last == null) return 0;
        try (PointerScope scope = new PointerScope()) {
            return last.isTensor() ? last.toTensor().sum().item_double() : 1;
        } finally {
            last.close();
            last = null;
        }
    }

    @Override
    public void close() {
        if (last != null) last.close();
        if (inputs != null) {
            inputs.close();
            input.close();
            GradMode.set_enabled(gradWasEnabled);
        }
        if (model != null) model.close();
        last = null;
        inputs = null;
        input = null;
        model = null;
    }
}
