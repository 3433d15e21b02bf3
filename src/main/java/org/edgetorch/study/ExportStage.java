package org.edgetorch.study;

import org.edgetorch.runtime.Model;
import org.edgetorch.jit.TorchScriptExport;
import org.edgetorch.tensor.Agreement;

import java.nio.file.Path;

/**
 * Traces the Java model into {@code <models>/<arch>_fp32.pt} (the {@code export} command's work); with
 * {@code --model FILE} the user's file is the FP32 TorchScript variant as it is.
 */
final class ExportStage implements StudyStage {
    static final String FILE = "fp32.pt";

    @Override
    public String name() {
        return "export";
    }

    @Override
    public boolean essential() {
        return true;
    }

    @Override
    public void run(StudyContext c) {
        if (c.options().model() != null) {
            Path file = c.options().model();
            // its logits are the reference (the model stage ran it): no second load to compare it with itself
            Agreement self = c.referenceAgreement();
            c.addModel(new StudyModel(new Variant(Variant.FP32_TORCHSCRIPT, "FP32 TorchScript (.pt, --model)", name(), "torchscript",
                    "fp32", null, file.toString(), fileSize(file), self), () -> org.edgetorch.runtime.Runtimes.load(file), true));
            return;
        }
        Path file = c.artifact(FILE);
        TorchScriptExport.Result r = TorchScriptExport.export(c.eager(), file);
        Agreement agreement;
        try (Model m = org.edgetorch.runtime.Runtimes.load(file)) {
            agreement = c.agreementWithFp32(m);
        }
        c.addModel(new StudyModel(new Variant(Variant.FP32_TORCHSCRIPT, "FP32 TorchScript (.pt)", name(), "torchscript",
                "fp32", null, file.toString(), r.bytes(), agreement), () -> org.edgetorch.runtime.Runtimes.load(file), true));
        c.progress().note(String.format(java.util.Locale.ROOT, "wrote %s (%.2f MB, %d traced ops)", file, r.bytes() / 1e6,
                r.recordedOps()));
    }

    private static long fileSize(Path file) {
        try {
            return java.nio.file.Files.size(file);
        } catch (java.io.IOException e) {
            throw new org.edgetorch.util.UserError(file + ": " + e.getMessage());
        }
    }
}
