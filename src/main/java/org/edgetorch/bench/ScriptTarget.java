package org.edgetorch.bench;

import org.edgetorch.backend.Backends;
import org.edgetorch.backend.BytedecoBackend.BytedecoScriptModel;
import org.edgetorch.backend.NativeLoop;
import org.edgetorch.backend.ScriptModel;
import org.edgetorch.tensor.FloatTensor;

import java.nio.file.Path;
import java.util.Optional;

/** A TorchScript ({@code .pt}) or lite-interpreter ({@code .ptl}) file, run by the process backend. */
public final class ScriptTarget implements BenchTarget {
    private final String name;
    private final Path file;
    private ScriptModel model;
    private PreparedForward forward;
    private NativeLoop loop;

    public ScriptTarget(String name, Path file) {
        this.name = name;
        this.file = file;
    }

    @Override
    public String name() {
        return name;
    }

    @Override
    public String kind() {
        String f = file.getFileName() == null ? "" : file.getFileName().toString();
        return f.endsWith(".ptl") ? "lite" : "torchscript";
    }

    @Override
    public String source() {
        return file.toString();
    }

    @Override
    public String timedCall() {
        if (loop != null) return "native loop of the " + Backends.get().name() + " backend (forward timed in C++)";
        return forward == null ? "forward" : forward.description();
    }

    @Override
    public void load() {
        // An INT8 file edgetorch quantized is repacked at load for the engine selected then: select its own.
        org.edgetorch.quant.QuantizedArchive.engineOf(file).ifPresent(e -> Backends.get().setQuantizedEngine(e));
        model = Backends.get().load(file);
    }

    @Override
    public void prepare(FloatTensor input) {
        Optional<NativeLoop> native_ = model.nativeLoop();
        if (native_.isPresent()) {
            loop = native_.get();
            loop.prepare(input);
        } else if (model instanceof BytedecoScriptModel b) {
            forward = new BytedecoForward(b, input);
        } else {
            forward = new ScriptModelForward(model, input);
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
