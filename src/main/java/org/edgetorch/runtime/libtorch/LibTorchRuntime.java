package org.edgetorch.runtime.libtorch;

import org.edgetorch.backend.Backend;
import org.edgetorch.backend.Backends;
import org.edgetorch.backend.OneDnnGuard;
import org.edgetorch.mobile.MobileArchive;
import org.edgetorch.quant.QuantizedArchive;
import org.edgetorch.runtime.Capability;
import org.edgetorch.runtime.InputLayout;
import org.edgetorch.runtime.Model;
import org.edgetorch.runtime.ModelFormat;
import org.edgetorch.runtime.Runtime;
import org.edgetorch.runtime.Runtimes;

import java.nio.file.Path;
import java.util.EnumSet;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Optional;
import java.util.Set;

/**
 * LibTorch as a {@link Runtime}: the process backend ({@link Backends}: Bytedeco's presets, or the bridge
 * over a system LibTorch). This is the one place a quantized file's engine is bound: an INT8 file
 * edgetorch wrote records its engine, which is selected before it loads (its packed weights repack for the
 * engine selected then) and before each of its calls (quantized kernels dispatch by the engine selected
 * then), so files of different engines run side by side on their own kernels.
 */
public final class LibTorchRuntime implements Runtime {
    /** The backend, loaded on first use (loading LibTorch takes seconds, and ONNX files need none). */
    private static Backend backend() {
        return Backends.get();
    }

    @Override
    public String name() {
        return "libtorch";
    }

    @Override
    public String version() {
        return backend().libtorchVersion();
    }

    @Override
    public Set<ModelFormat> formats() {
        return EnumSet.of(ModelFormat.TORCHSCRIPT, ModelFormat.LITE);
    }

    @Override
    public boolean hasCapability(Capability c) {
        Backend b = backend();
        return switch (c) {
            case INT8 -> true;
            case QUANTIZED_ENGINES -> !b.quantizedEngines().isEmpty();
            case XNNPACK -> b.xnnpackAvailable();
            case NATIVE_TIMING_LOOP -> b.name().equals("bridge");
            case JAVA_MODELS -> b.name().equals("bytedeco");
        };
    }

    @Override
    public void setThreads(int n) {
        Backends.setThreads(n);
    }

    @Override
    public Model load(Path file) {
        Backend b = backend();
        InputLayout override = Runtimes.inputLayoutOverride();
        InputLayout layout = override != null ? override : preferredLayout(file);
        Optional<String> engine = QuantizedArchive.engineOf(file);
        if (engine.isEmpty()) return b.load(file, layout);
        // loading packs the weights again: where oneDNN may abort doing so (OneDnnCaches), a child JVM loads it first
        OneDnnGuard.checkLoading(file, engine.get());
        Runnable select = b.engineSelector(engine.get());
        return new EngineBoundModel(b.load(file, layout), engine.get(), select);
    }

    /**
     * The layout a file's kernels want: channels-last for a lite-interpreter file whose convolutions are
     * XNNPACK's prepacked ones (measured here 3.6x faster than the NCHW input those convert on every call),
     * NCHW otherwise.
     */
    public static InputLayout preferredLayout(Path file) {
        if (ModelFormat.of(file) != ModelFormat.LITE) return InputLayout.NCHW;
        Map<String, Integer> ops = MobileArchive.read(file).bytecodeOperators();
        return usesXnnpackConvolutions(ops.keySet()) ? InputLayout.NHWC : InputLayout.NCHW;
    }

    /** Whether a lite-interpreter file's operator list ({@code name.overload}) has XNNPACK's prepacked convolution. */
    static boolean usesXnnpackConvolutions(java.util.Collection<String> operators) {
        return operators.stream().anyMatch(o -> o.equals("prepacked::conv2d_clamp_run") || o.startsWith("prepacked::conv2d_clamp_run."));
    }

    @Override
    public Map<String, Object> details() {
        Backend b = backend();
        Map<String, Object> d = new LinkedHashMap<>();
        d.put("backend", b.name());
        d.put("quantized_engines", b.quantizedEngines());
        d.put("xnnpack", b.xnnpackAvailable());
        d.putAll(b.details());
        return d;
    }
}
