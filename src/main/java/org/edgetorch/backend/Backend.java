package org.edgetorch.backend;

import org.edgetorch.runtime.Model;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;

/**
 * The LibTorch a process runs on. Exactly one exists per process (two LibTorch builds must never be
 * loaded together), chosen by {@link Backends#get()}.
 */
public interface Backend {

    /** Short name shown by {@code info}: {@code bytedeco} or {@code bridge}. */
    String name();

    /** LibTorch version string, e.g. {@code 2.10.0}. */
    String libtorchVersion();

    /** Quantized engines this LibTorch was built with, lower-case ({@code fbgemm}, {@code qnnpack}, ...). */
    List<String> quantizedEngines();

    boolean xnnpackAvailable();

    int threads();

    void setThreads(int threads);

    /**
     * Selects the quantized engine for kernels and for weight prepacking. Throws
     * {@link org.edgetorch.util.UserError} naming the engines that exist when this one does not.
     */
    void setQuantizedEngine(String engine);

    /**
     * Checks the engine once and returns what selects it again: run before each call of a model whose
     * kernels dispatch by it, so it should be cheap (the presets' override is one store into LibTorch).
     */
    default Runnable engineSelector(String engine) {
        setQuantizedEngine(engine);
        return () -> setQuantizedEngine(engine);
    }

    /** Backend-specific facts for {@code info} (the bridge: library path, versions it reads); may be empty. */
    default Map<String, Object> details() {
        return Map.of();
    }

    /** Loads a TorchScript ({@code .pt}) or lite-interpreter ({@code .ptl}) file, taking NCHW input. */
    default Model load(Path file) {
        return load(file, org.edgetorch.runtime.InputLayout.NCHW);
    }

    /**
     * Loads a file whose prepared input is laid out as {@code layout} (NHWC: channels-last memory). A backend
     * that cannot lay out its input so reports the layout it does use ({@link Model#inputLayout()}).
     */
    Model load(Path file, org.edgetorch.runtime.InputLayout layout);
}
