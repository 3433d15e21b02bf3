package org.edgetorch.study;

import org.edgetorch.export.tflite.TfliteExport;
import org.edgetorch.export.tflite.TfliteWriter;
import org.edgetorch.image.ImageInput;
import org.edgetorch.quant.Quantizer;
import org.edgetorch.runtime.Model;
import org.edgetorch.runtime.Runtimes;
import org.edgetorch.tensor.Agreement;
import org.edgetorch.tensor.FloatTensor;

import java.nio.file.Path;
import java.util.List;
import java.util.Locale;

/**
 * {@code export --format tflite} and {@code quantize --mode static --format tflite} of the FP32 TorchScript file,
 * calibrated like the LibTorch INT8 variants (same observer, same photos). Three variants: FP32 and INT8 with
 * XNNPACK, and the INT8 file again on TFLite's built-in kernels, so the delegate's effect shows side by side. The
 * per-variant choice travels in {@link StudyModel#xnnpack()}, not in the file name.
 */
final class TfliteStage implements StudyStage {
    @Override
    public String name() {
        return "tflite";
    }

    private final boolean builtinKernels;

    /** With the INT8 file also run on TFLite's built-in kernels, as a third variant (the study). */
    TfliteStage() {
        this(true);
    }

    TfliteStage(boolean builtinKernels) {
        this.builtinKernels = builtinKernels;
    }

    @Override
    public void run(StudyContext c) {
        Path in = Path.of(c.model(Variant.FP32_TORCHSCRIPT).variant().file());
        long[] shape = {1, 3, 224, 224};
        String arch = c.modelInfo().arch();

        Path fp32 = c.artifact("fp32.tflite");
        Progress.Task task = c.progress().task("TFLite FP32");
        TfliteExport.Result f = TfliteExport.fp32(in, fp32, shape, "FP32 TensorFlow Lite of the study's " + arch + " (" + in.getFileName()
                + "), written by edgetorch");
        add(c, Variant.FP32_TFLITE, "FP32 TFLite (.tflite, XNNPACK)", "fp32", fp32, f.bytes(), true);
        task.done(String.format(Locale.ROOT, "%s, %.2f MB, max |diff| to LibTorch %.2g", fp32, f.bytes() / 1e6, f.checkMaxAbsDiff()));

        List<ImageInput> photos = c.calibration();
        if (c.options().quick()) photos = photos.subList(0, Math.min(QuantizeStaticStage.QUICK_CALIBRATION, photos.size()));
        List<FloatTensor> calibration = photos.stream().map(ImageInput::tensor).toList();
        Path int8 = c.artifact("int8.tflite");
        Progress.Task q = c.progress().task("TFLite INT8 calibration on " + calibration.size() + " photos");
        Quantizer.Calibration cal = Quantizer.calibrate(in, calibration, QuantizeStaticStage.OBSERVER, 255, TfliteWriter.ACTION,
                (pass, passes, done, total) -> q.update(((pass - 1) + (double) done / total) / passes,
                        "pass " + pass + "/" + passes + ", photo " + done + "/" + total));
        TfliteExport.Result r = TfliteExport.int8(cal, int8, shape, false, "Full-integer INT8 TensorFlow Lite of the study's " + arch
                + ", calibrated by edgetorch on " + cal.inputs() + " photos (" + cal.observer().id() + " observer)", List.of());
        Agreement a = add(c, Variant.INT8_TFLITE, "INT8 TFLite (.tflite, XNNPACK)", "int8", int8, r.bytes(), true);
        if (builtinKernels) add(c, Variant.INT8_TFLITE_BUILTIN, "INT8 TFLite (.tflite, built-in kernels)", "int8", int8, r.bytes(), false);
        q.done(String.format(Locale.ROOT, "%s, %.2f MB, SQNR %s dB on the held-out photos", int8, r.bytes() / 1e6,
                ReportMarkdown.sqnr(a.sqnrDb())));
        c.note(String.format(Locale.ROOT, "TFLite: written from the model graph (NHWC, OHWI/1HWO weights); INT8 full-integer with "
                        + "per-channel int8 weights, int8 activations from the same %s calibration as LibTorch (%d photos), float "
                        + "input/output; TensorFlow Lite %s, XNNPACK for the first two TFLite variants" + (builtinKernels
                        ? ", built-in kernels for the third." : "."),
                cal.observer().id(), cal.inputs(), Runtimes.get(Runtimes.TFLITE).version()));
    }

    private static Agreement add(StudyContext c, String id, String label, String precision, Path file, long bytes, boolean xnnpack) {
        Agreement agreement;
        try (Model m = Runtimes.load(file, xnnpack)) {
            agreement = c.agreementWithFp32(m);
        }
        c.addModel(new StudyModel(new Variant(id, label, "tflite", "tflite", precision, null, file.toString(), bytes, agreement),
                () -> Runtimes.load(file, xnnpack), true, xnnpack));
        return agreement;
    }
}
