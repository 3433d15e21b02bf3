package org.edgetorch.runtime.libtorch;

import org.edgetorch.backend.Backend;
import org.edgetorch.backend.Backends;
import org.edgetorch.quant.QuantizedArchive;
import org.edgetorch.runtime.Capability;
import org.edgetorch.runtime.Model;
import org.edgetorch.runtime.ModelFormat;
import org.edgetorch.runtime.Runtime;

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
        Optional<String> engine = QuantizedArchive.engineOf(file);
        if (engine.isEmpty()) return b.load(file);
        Runnable select = b.engineSelector(engine.get());
        return new EngineBoundModel(b.load(file), engine.get(), select);
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
