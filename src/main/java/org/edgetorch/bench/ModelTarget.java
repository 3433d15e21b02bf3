package org.edgetorch.bench;

import org.edgetorch.backend.NativeLoop;
import org.edgetorch.runtime.Model;
import org.edgetorch.runtime.ModelFormat;
import org.edgetorch.runtime.PreparedRun;
import org.edgetorch.runtime.Runtimes;
import org.edgetorch.tensor.FloatTensor;

import java.nio.file.Path;
import java.util.Optional;

/** A model file ({@code .pt}, {@code .ptl}, {@code .onnx}), run by the runtime its format chooses. */
public final class ModelTarget implements BenchTarget {
    private final String name;
    private final Path file;
    private Model model;
    private PreparedRun forward;
    private NativeLoop loop;

    public ModelTarget(String name, Path file) {
        this.name = name;
        this.file = file;
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
        model = Runtimes.load(file);
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
