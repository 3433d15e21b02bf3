package org.edgetorch.bench;

import org.edgetorch.backend.NativeLoop;
import org.edgetorch.runtime.Model;
import org.edgetorch.runtime.ModelFormat;
import org.edgetorch.runtime.PreparedRun;
import org.edgetorch.runtime.Runtimes;
import org.edgetorch.tensor.FloatTensor;

import java.nio.file.Path;
import java.util.Optional;

/**
 * A model file ({@code .pt}, {@code .ptl}, {@code .onnx}, {@code .tflite}), run by the runtime its format chooses;
 * optionally with TensorFlow Lite's XNNPACK delegate set for this target alone (the study times one INT8 file
 * both ways).
 */
public final class ModelTarget implements BenchTarget {
    private final String name;
    private final Path file;
    private Model model;
    private PreparedRun forward;
    private NativeLoop loop;
    /** XNNPACK on or off for this target (TensorFlow Lite only), or null for the process-wide setting. */
    private final Boolean xnnpack;

    public ModelTarget(String name, Path file) {
        this(name, file, null);
    }

    public ModelTarget(String name, Path file, Boolean xnnpack) {
        this.name = name;
        this.file = file;
        this.xnnpack = xnnpack;
    }

    @Override
    public String name() {
        return name;
    }

    @Override
    public String kind() {
        return ModelFormat.of(file).id;
    }

    @Override
    public String source() {
        return file.toString();
    }

    @Override
    public String timedCall() {
        if (loop != null) return "native loop of the " + Runtimes.choose(ModelFormat.of(file)) + " runtime (forward timed in C++)";
        return forward == null ? "forward" : forward.description();
    }

    @Override
    public void load() {
        model = xnnpack == null ? Runtimes.load(file) : Runtimes.load(file, xnnpack);
    }

    @Override
    public void prepare(FloatTensor input) {
        Optional<NativeLoop> native_ = model.nativeLoop();
        if (native_.isPresent()) {
            loop = native_.get();
            loop.prepare(input);
        } else {
            forward = model.prepare(input);
        }
    }

    @Override
    public String inputLayout() {
        return model == null ? "nchw" : model.inputLayout().id();
    }

    @Override
    public double inputConversionMs() {
        return forward == null ? 0 : forward.inputConversionNanos() / 1e6;
    }

    @Override
    public void runOnce() {
        forward.run();
    }

    @Override
    public double consume() {
        return forward.consume();
    }

    @Override
    public Optional<NativeLoop> nativeLoop() {
        return Optional.ofNullable(loop);
    }

    @Override
    public void close() {
        try {
            if (forward != null) forward.close();
            if (loop != null) loop.close();
        } finally {
            forward = null;
            loop = null;
            if (model != null) model.close();
            model = null;
        }
    }
}
