package org.edgetorch.runtime;

import org.edgetorch.tensor.FloatTensor;

/** Any model's {@link Model#forward}: the timed call includes the copies between Java and the runtime. */
final class CopyingRun implements PreparedRun {
    private final Model model;
    private final FloatTensor input;
    private FloatTensor last;

    CopyingRun(Model model, FloatTensor input) {
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
        return "Model.forward(FloatTensor), including copies between Java and the runtime";
    }

    @Override
    public void close() {
        last = null;
    }
}
