package org.edgetorch.backend;

import org.bytedeco.javacpp.PointerScope;
import org.bytedeco.pytorch.GradMode;
import org.bytedeco.pytorch.IValue;
import org.bytedeco.pytorch.IValueVector;
import org.bytedeco.pytorch.Tensor;
import org.bytedeco.pytorch.TensorVector;
import org.edgetorch.backend.BytedecoBackend.BytedecoScriptModel;
import org.edgetorch.runtime.PreparedRun;
import org.edgetorch.tensor.FloatTensor;

/**
 * The presets' {@code JitModule.forward} on an input tensor built once, so the timed call holds no
 * Java-to-tensor copy. Autograd is off while it exists (as under {@code torch.no_grad()} in Python):
 * inference does not record a backward graph. Instances must be closed in reverse order of creation,
 * which restores the previous grad mode.
 */
final class BytedecoForward implements PreparedRun {
    private final BytedecoScriptModel model;
    private final boolean gradWasEnabled;
    private final Tensor tensor;
    private final IValueVector inputs;
    private final long conversionNs;
    private IValue last;

    BytedecoForward(BytedecoScriptModel model, FloatTensor input) {
        this.model = model;
        this.gradWasEnabled = GradMode.is_enabled();
        GradMode.set_enabled(false);
        long t0 = System.nanoTime();
        this.tensor = model.input(input);
        this.conversionNs = System.nanoTime() - t0;
        this.inputs = new IValueVector(new IValue(tensor));
    }

    @Override
    public long inputConversionNanos() {
        return conversionNs;
    }

    @Override
    public void run() {
        last = model.forward(inputs);
    }

    @Override
    public double consume() {
        if (last == null) return 0;
        try (PointerScope scope = new PointerScope()) {
            return fold(last);
        } finally {
            last.close();
            last = null;
        }
    }

    /** Sum of every tensor in the output (tensors, tuples and lists of them); 1 per other value. */
    private static double fold(IValue v) {
        if (v.isTensor()) return sum(v.toTensor());
        if (v.isTensorList()) {
            TensorVector ts = v.toTensorVector();
            double s = 0;
            for (long i = 0; i < ts.size(); i++) s += sum(ts.get(i));
            return s;
        }
        if (v.isTuple()) {
            var elements = v.toTuple().elements();
            double s = 0;
            for (long i = 0; i < elements.size(); i++) s += fold(elements.get(i));
            return s;
        }
        return 1;
    }

    private static double sum(Tensor t) {
        if (t.numel() == 0) return 0;
        Tensor f = t.is_quantized() ? t.dequantize() : t;
        return f.sum().item_double();
    }

    @Override
    public String description() {
        return "JitModule.forward(IValueVector) on a prepared LibTorch tensor (presets, autograd off"
                + (model.inputLayout() == org.edgetorch.runtime.InputLayout.NHWC ? ", channels-last input)" : ")");
    }

    @Override
    public void close() {
        if (last != null) last.close();
        inputs.close();
        tensor.close();
        GradMode.set_enabled(gradWasEnabled);
    }
}
