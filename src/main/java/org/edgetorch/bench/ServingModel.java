package org.edgetorch.bench;

import org.bytedeco.javacpp.PointerScope;
import org.bytedeco.pytorch.IValue;
import org.bytedeco.pytorch.IValueVector;
import org.bytedeco.pytorch.JitModule;
import org.bytedeco.pytorch.global.torch;
import org.edgetorch.backend.Backends;
import org.edgetorch.backend.ModelFiles;
import org.edgetorch.runtime.Model;
import org.edgetorch.tensor.FloatTensor;
import org.edgetorch.tensor.Tensors;
import org.edgetorch.util.UserError;

import java.nio.file.Path;

/**
 * An FP32 TorchScript file prepared the way PyTorch serves CNNs on CPUs: {@code torch.jit.freeze} (attributes
 * become constants, BatchNorm folds into the convolutions) then {@code torch.jit.optimize_for_inference}
 * (convolutions packed for oneDNN on x86, fused with their activations). LibTorch 2.10 saves the optimized module
 * but cannot load it back, so it is built in memory from the plain file at load.
 */
public final class ServingModel implements Model {
    private final String source;
    private JitModule loaded;
    private JitModule frozen;
    private JitModule optimized;

    private ServingModel(Path file) {
        this.source = "serving:" + file;
        Backends.requireBytedeco("serving: (freeze + optimize_for_inference)");
        String unsupported = unsupportedReason();
        if (unsupported != null) throw new UserError("serving: " + unsupported);
        loaded = ModelFiles.loadChecked(file);
        try {
            frozen = torch.freeze(loaded);
            optimized = torch.optimize_for_inference(frozen);
        } catch (RuntimeException e) {
            close();
            throw new UserError(file + ": freeze + optimize_for_inference failed: " + ModelFiles.firstLine(e.getMessage()), e);
        }
    }

    /**
     * Why the serving module cannot run on this machine, or null: checked before any native call, since oneDNN's abort
     * (see {@link OneDnnCaches}) cannot be caught.
     */
    public static String unsupportedReason() {
        String problem = OneDnnCaches.problem();
        return problem == null ? null : problem + ": the serving variant is not run here";
    }

    public static ServingModel load(Path file) {
        return new ServingModel(file);
    }

    /** The forward the bench harness times, on inputs the caller built once; the caller closes the result. */
    public IValue forward(IValueVector inputs) {
        if (optimized == null) throw new IllegalStateException(source + " is closed");
        try {
            return optimized.forward(inputs);
        } catch (RuntimeException e) {
            throw new UserError(source + ": forward failed: " + ModelFiles.reason(e.getMessage()), e);
        }
    }

    @Override
    public FloatTensor forward(FloatTensor input) {
        try (PointerScope scope = new PointerScope()) {
            IValue out = forward(new IValueVector(new IValue(Tensors.toTorch(input))));
            if (!out.isTensor()) throw new UserError(source + ": forward did not return a tensor");
            return Tensors.fromTorch(out.toTensor());
        }
    }

    @Override
    public String source() {
        return source;
    }

    @Override
    public void close() {
        for (JitModule m : new JitModule[]{optimized, frozen, loaded}) if (m != null) m.close();
        optimized = frozen = loaded = null;
    }
}
