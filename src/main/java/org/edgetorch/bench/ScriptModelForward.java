package org.edgetorch.bench;

import org.edgetorch.backend.ScriptModel;
import org.edgetorch.tensor.FloatTensor;

/** Any backend's {@link ScriptModel#forward}: the timed call includes the Java-to-tensor copies. */
final class ScriptModelForward implements PreparedForward {
    private final ScriptModel model;
    private final FloatTensor input;
    private FloatTensor last;

    ScriptModelForward(ScriptModel model, FloatTensor input) {
        this.model = model;
        this.input = input;
    }

    @Override
    public void run() {
        last = model.forward(input);
    }

    @Override
    public double consume() {
        if (last == null) return 0;
        double s = 0;
        for (float v : last.data()) s += v;
        last = null;
        return s;
    }

    @Override
    public String description() {
        return "ScriptModel.forward(FloatTensor), including copies between Java and the backend";
    }

    @Override
    public void close() {
        last = null;
    }
}
