package org.edgetorch.study;

import org.edgetorch.runtime.Model;
import org.edgetorch.quant.QuantizationResult;
import org.edgetorch.quant.Quantizer;
import org.edgetorch.tensor.Agreement;

import java.nio.file.Path;
import java.util.Locale;

/** {@code quantize --mode dynamic}: Linear layers INT8 with activations quantized on the fly, LibTorch's default engine. */
final class QuantizeDynamicStage implements StudyStage {
    @Override
    public String name() {
        return "quantize-dynamic";
    }

    @Override
    public void run(StudyContext c) {
        Path in = Path.of(c.model(Variant.FP32_TORCHSCRIPT).variant().file());
        Path out = c.artifact("int8_dynamic.pt");
        QuantizationResult r = Quantizer.quantizeDynamic(in, out);
        String engine = r.engine();
        Agreement agreement;
        try (Model m = org.edgetorch.runtime.Runtimes.load(out)) {
            agreement = c.agreementWithFp32(m);
        }
        c.addModel(new StudyModel(new Variant(Variant.INT8_DYNAMIC, "INT8 dynamic (.pt)", name(), "torchscript", "int8", engine,
                out.toString(), r.outputBytes(), agreement), () -> org.edgetorch.runtime.Runtimes.load(out), true));
        String line = String.format(Locale.ROOT, "%s: %d linear layer%s INT8 (%s weights, %s engine), %.2f MB from %.2f MB",
                out, r.linears(), r.linears() == 1 ? "" : "s", r.perChannelWeights() ? "per-channel" : "per-tensor", engine,
                r.outputBytes() / 1e6, r.inputBytes() / 1e6);
        c.progress().note("wrote " + line);
        c.note("Dynamic quantization " + line + ": only Linear layers are quantized dynamically (" + c.options().modelName() + " has "
                + r.linears() + ", the classifier), so the convolutions stay FP32 and the file shrinks by those weights only.");
    }
}
