package org.edgetorch.study;

import org.edgetorch.nn.BuiltInModels;
import org.edgetorch.nn.TorchvisionModel;

/**
 * The FP32 eager Java model every other variant is compared with: torchvision weights with
 * {@code --weights}, otherwise the seeded initialization with BatchNorm statistics re-estimated on the
 * bundled calibration photos. Computes the reference logits on the held-out photos.
 */
final class ModelStage implements StudyStage {
    @Override
    public String name() {
        return "model";
    }

    @Override
    public boolean essential() {
        return true;
    }

    @Override
    public void run(StudyContext c) {
        StudyOptions o = c.options();
        long t0 = System.nanoTime();
        TorchvisionModel m = BuiltInModels.create(o.arch(), o.weights(), o.seed());
        double buildMs = (System.nanoTime() - t0) / 1e6;
        c.setEager(m, buildMs);
        c.addModel(new StudyModel(new Variant(Variant.FP32_EAGER, "FP32 eager (Java)", name(), "eager", "fp32", null,
                null, null, null), () -> m, false));
        c.progress().note(m.source() + ", built in " + Progress.duration(buildMs / 1e3));
        if (!m.trained()) c.progress().note("note: " + BuiltInModels.UNTRAINED_NOTE);
    }
}
