package org.edgetorch.study;

import org.edgetorch.bench.ServingModel;
import org.edgetorch.tensor.Agreement;

import java.nio.file.Path;

/**
 * The x86 serving variant: the FP32 TorchScript file after {@code torch.jit.freeze} and
 * {@code torch.jit.optimize_for_inference}, as PyTorch serves CNNs on CPUs. Built in memory at load (LibTorch 2.10
 * cannot load the optimized module back), so it has no file size of its own. Needs the Bytedeco backend.
 */
final class ServingStage implements StudyStage {
    static final String ID = "fp32-serving";

    @Override
    public String name() {
        return "serving";
    }

    @Override
    public String skipReason(StudyContext c) {
        if (!c.backend().name().equals("bytedeco")) return "freeze + optimize_for_inference need the Bytedeco backend";
        String unsupported = ServingModel.unsupportedReason();
        if (unsupported != null) return unsupported;
        return c.model(Variant.FP32_TORCHSCRIPT) == null ? "no FP32 TorchScript file" : null;
    }

    @Override
    public void run(StudyContext c) {
        Path file = Path.of(c.model(Variant.FP32_TORCHSCRIPT).variant().file());
        Agreement agreement;
        try (ServingModel m = ServingModel.load(file)) {
            agreement = c.agreementWithFp32(m);
        }
        c.addModel(new StudyModel(new Variant(ID, "FP32 TorchScript, freeze + optimize_for_inference (in memory)", name(),
                "torchscript-serving", "fp32", null, file.toString(), null, agreement), () -> ServingModel.load(file), true));
        c.progress().note("built from " + file + " at load (LibTorch cannot load the optimized module back from a file)");
    }
}
