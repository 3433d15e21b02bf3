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

    /** Where Linux lists the CPU's caches; see {@link #unsupportedReason()}. */
    static final Path CACHE_INFO = Path.of("/sys/devices/system/cpu/cpu0/cache");

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
     * Why the serving module cannot run on this machine, or null. On an x86 CPU that does not report its cache sizes
     * (some virtual machines: the kernel then has no {@code /sys/devices/system/cpu/cpu0/cache} either), oneDNN's
     * optimized add divides by them and LibTorch 2.10 dies with SIGFPE; checked here because a native abort cannot be
     * caught.
     */
    public static String unsupportedReason() {
        return unsupportedReason(System.getProperty("os.name"), System.getProperty("os.arch"), java.nio.file.Files.isDirectory(CACHE_INFO));
    }

    static String unsupportedReason(String os, String arch, boolean cacheInfo) {
        boolean x86 = arch.equals("amd64") || arch.equals("x86_64");
        if (os.startsWith("Linux") && x86 && !cacheInfo) {
            return "this x86 CPU reports no cache sizes (no " + CACHE_INFO + ", as on some virtual machines); oneDNN's "
                    + "optimized add would divide by them and abort the process (SIGFPE), so the serving variant is not run here";
        }
        return null;
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
