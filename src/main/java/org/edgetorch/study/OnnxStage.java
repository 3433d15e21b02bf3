package org.edgetorch.study;

import org.edgetorch.cli.VersionProvider;
import org.edgetorch.export.onnx.OnnxExport;
import org.edgetorch.export.onnx.OnnxWriter;
import org.edgetorch.image.ImageInput;
import org.edgetorch.quant.Quantizer;
import org.edgetorch.runtime.Model;
import org.edgetorch.runtime.Runtimes;
import org.edgetorch.tensor.Agreement;
import org.edgetorch.tensor.FloatTensor;
import org.edgetorch.util.UserError;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * The same weights on ONNX Runtime: the FP32 TorchScript file exported to ONNX ({@code export --format onnx})
 * and, calibrated on the same photos with the same observer as the LibTorch INT8 variants, to INT8 QDQ ONNX
 * ({@code quantize --mode static --format onnx}). Both run on ONNX Runtime in the latency stage.
 */
final class OnnxStage implements StudyStage {
    static final String FP32_ID = "fp32-onnxruntime";
    static final String INT8_ID = "int8-onnxruntime";

    @Override
    public String name() {
        return "onnx";
    }

    @Override
    public void run(StudyContext c) {
        Path in = Path.of(c.model(Variant.FP32_TORCHSCRIPT).variant().file());
        long[] shape = {1, 3, 224, 224};
        List<String> failures = new ArrayList<>();

        Path fp32 = c.artifact("fp32.onnx");
        Progress.Task task = c.progress().task("FP32 ONNX");
        try {
            OnnxExport.Result r = OnnxExport.fp32(in, fp32, shape, provenance("FP32 ONNX of " + in.getFileName(), in));
            add(c, new Variant(FP32_ID, "FP32 ONNX Runtime (.onnx)", name(), "onnx", "fp32", null, fp32.toString(), r.bytes(),
                    agreement(c, fp32)), fp32);
            task.done(String.format(Locale.ROOT, "%s, %.2f MB", fp32, r.bytes() / 1e6));
        } catch (UserError e) {
            task.done("FAILED: " + e.getMessage());
            failures.add("FP32: " + e.getMessage());
        }

        List<ImageInput> photos = c.calibration();
        if (c.options().quick()) photos = photos.subList(0, Math.min(QuantizeStaticStage.QUICK_CALIBRATION, photos.size()));
        List<FloatTensor> calibration = photos.stream().map(ImageInput::tensor).toList();
        Path int8 = c.artifact("int8.onnx");
        task = c.progress().task("INT8 QDQ ONNX, calibration on " + calibration.size() + " photos");
        try {
            Progress.Task t = task;
            Quantizer.Calibration cal = Quantizer.calibrate(in, calibration, QuantizeStaticStage.OBSERVER, 255, OnnxExport.ACTION,
                    (pass, passes, done, total) -> t.update(((pass - 1) + (double) done / total) / passes,
                            "pass " + pass + "/" + passes + ", photo " + done + "/" + total));
            OnnxExport.Result r = OnnxExport.qdq(cal, int8, shape, provenance("INT8 QDQ ONNX of " + in.getFileName(), in), List.of());
            Agreement agreement = agreement(c, int8);
            add(c, new Variant(INT8_ID, "INT8 ONNX Runtime (QDQ .onnx)", name(), "onnx", "int8", null, int8.toString(), r.bytes(),
                    agreement), int8);
            task.done(String.format(Locale.ROOT, "%s, %.2f MB, SQNR %s dB on the held-out photos", int8, r.bytes() / 1e6,
                    ReportMarkdown.sqnr(agreement.sqnrDb())));
            c.note(String.format(Locale.ROOT, "INT8 ONNX: QDQ format (int8 per-channel symmetric weights, uint8 activations "
                    + "[0, 255]), %s observer, calibrated on %d photos, run by ONNX Runtime %s.", cal.observer().id(),
                    cal.inputs(), Runtimes.get(Runtimes.ONNXRUNTIME).version()));
        } catch (UserError e) {
            task.done("FAILED: " + e.getMessage());
            failures.add("INT8: " + e.getMessage());
        }
        if (!failures.isEmpty()) throw new UserError("ONNX export failed: " + String.join("; ", failures));
    }

    private static OnnxWriter.Provenance provenance(String doc, Path source) {
        return new OnnxWriter.Provenance(VersionProvider.version(), doc + " (edgetorch study)",
                Map.of("edgetorch.source", source.getFileName().toString()));
    }

    private static Agreement agreement(StudyContext c, Path file) {
        try (Model m = Runtimes.load(file)) {
            return c.agreementWithFp32(m);
        }
    }

    private static void add(StudyContext c, Variant v, Path file) {
        c.addModel(new StudyModel(v, () -> Runtimes.load(file), true));
    }
}
