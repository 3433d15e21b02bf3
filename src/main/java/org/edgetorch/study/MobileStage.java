package org.edgetorch.study;

import org.edgetorch.runtime.Model;
import org.edgetorch.mobile.MobileExportResult;
import org.edgetorch.mobile.MobileOptimizer;
import org.edgetorch.mobile.MobileOptions;
import org.edgetorch.tensor.Agreement;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/**
 * {@code optimize}'s work for the FP32 TorchScript model and, when the quantize stage made one, the
 * QNNPACK INT8 model (the pair the study took to the phone): lite-interpreter {@code .ptl} files,
 * verified against their input by the optimizer, then compared with FP32 eager like every variant.
 */
final class MobileStage implements StudyStage {
    /** The INT8 model the study optimized for mobile. */
    static final String INT8_ENGINE = "qnnpack";

    @Override
    public String name() {
        return "mobile";
    }

    @Override
    public void run(StudyContext c) {
        List<StudyModel> sources = new ArrayList<>();
        sources.add(c.model(Variant.FP32_TORCHSCRIPT));
        StudyModel int8 = c.model(Variant.int8Static(INT8_ENGINE));
        if (int8 != null) {
            sources.add(int8);
        } else {
            c.progress().note("no static INT8 " + INT8_ENGINE + " model to optimize; FP32 only");
        }
        for (StudyModel source : sources) {
            Variant v = source.variant();
            Path in = Path.of(v.file());
            String name = in.getFileName().toString();
            // into the models folder, also when the FP32 file is the user's (--model), which stays untouched
            String stem = name.endsWith(".pt") ? name.substring(0, name.length() - ".pt".length()) : name;
            Path out = c.options().modelsDir().resolve(stem + ".ptl");
            MobileExportResult r = MobileOptimizer.optimize(in, out, MobileOptions.defaults());
            String engine = r.quantizedEngine();
            Agreement agreement;
            try (Model m = org.edgetorch.runtime.Runtimes.load(out)) {
                agreement = c.agreementWithFp32(m);
            }
            String label = v.id().equals(Variant.FP32_TORCHSCRIPT) ? "FP32 mobile (.ptl, XNNPACK)"
                    : v.label().replace("(.pt)", "").strip() + " mobile (.ptl)";
            c.addModel(new StudyModel(new Variant(Variant.mobile(v.id()), label, name(), "lite-interpreter", v.precision(), engine,
                    out.toString(), r.outputBytes(), agreement), () -> org.edgetorch.runtime.Runtimes.load(out), true));
            String line = String.format(Locale.ROOT, "%s: %.2f MB from a %.2f MB .pt, bytecode version %s%s", out,
                    r.outputBytes() / 1e6, r.inputBytes() / 1e6, r.bytecodeVersion(), r.debugInfo() ? ", with debug records" : "");
            c.progress().note("wrote " + line);
            c.note("Mobile export " + line + ".");
        }
    }
}
