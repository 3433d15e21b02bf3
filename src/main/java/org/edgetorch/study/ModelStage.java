package org.edgetorch.study;

import org.edgetorch.backend.WeightsProvenance;
import org.edgetorch.nn.BuiltInModels;
import org.edgetorch.nn.TorchvisionModel;
import org.edgetorch.runtime.Model;
import org.edgetorch.runtime.Runtimes;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Optional;

/**
 * The FP32 model every other variant is compared with, and its reference logits on the held-out photos: the
 * eager Java model (torchvision weights with {@code --weights}, otherwise the seeded initialization with
 * BatchNorm statistics re-estimated on the bundled calibration photos), or with {@code --model FILE} the
 * user's FP32 TorchScript file as LibTorch runs it.
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
        if (o.model() != null) {
            fromFile(c, o.model());
            return;
        }
        long t0 = System.nanoTime();
        TorchvisionModel m = BuiltInModels.create(o.arch(), o.weights(), o.seed());
        double buildMs = (System.nanoTime() - t0) / 1e6;
        c.setEager(m, buildMs);
        c.addModel(new StudyModel(new Variant(Variant.FP32_EAGER, "FP32 eager (Java)", name(), "eager", "fp32", null,
                null, null, null), () -> m, false));
        c.progress().note(m.source() + ", built in " + Progress.duration(buildMs / 1e3));
        if (!m.trained()) c.progress().note("note: " + BuiltInModels.UNTRAINED_NOTE);
    }

    private static void fromFile(StudyContext c, Path file) {
        Optional<Boolean> recorded = WeightsProvenance.trained(file);
        boolean trained = recorded.orElse(false);
        String origin = file + (recorded.isPresent() ? "" : "; where its weights came from is not recorded in the file, "
                + "so the report treats them as untrained");
        try (Model m = Runtimes.load(file)) {
            c.setFileModel(m, new StudyResult.ModelInfo(c.options().modelName(), parameters(file), trained, origin,
                    c.options().seed(), null));
        }
        c.progress().note("studying " + file + " (" + String.format(java.util.Locale.ROOT, "%.2f MB", size(file) / 1e6) + ")");
    }

    /** The module's parameters (as PyTorch counts them: BatchNorm statistics are buffers, not parameters). */
    private static long parameters(Path file) {
        try (org.bytedeco.javacpp.PointerScope scope = new org.bytedeco.javacpp.PointerScope()) {
            var module = org.edgetorch.backend.ModelFiles.loadChecked(file);
            var params = module.parameters(true);
            long n = 0;
            for (var it = params.begin(); it.notEquals(params.end()); it.increment()) n += it.access().numel();
            return n;
        }
    }

    private static long size(Path file) {
        try {
            return Files.size(file);
        } catch (java.io.IOException e) {
            return 0;
        }
    }
}
