package org.edgetorch.study;

import org.edgetorch.runtime.Model;
import org.edgetorch.image.ImageInput;
import org.edgetorch.quant.ObserverKind;
import org.edgetorch.quant.QuantEngine;
import org.edgetorch.quant.QuantizationResult;
import org.edgetorch.quant.Quantizer;
import org.edgetorch.tensor.Agreement;
import org.edgetorch.tensor.FloatTensor;
import org.edgetorch.util.UserError;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/**
 * {@code quantize --mode static} for every quantized engine this LibTorch has, calibrated on all of
 * {@code --calib} or the bundled calibration photos (never on the held-out ones the agreement figures use). One engine failing does not
 * stop the others; the stage then reports the failures.
 */
final class QuantizeStaticStage implements StudyStage {
    /** The quantize command's default observer. */
    static final ObserverKind OBSERVER = ObserverKind.MINMAX;
    /** Calibration photos with --quick (all 16 otherwise). */
    static final int QUICK_CALIBRATION = 4;
    /** How the note of an engine that failed before the zoo's one engine succeeded starts. */
    static final String FELL_BACK = "Static INT8 fell back from ";

    private final boolean everyEngine;

    /** Every engine this LibTorch has (the study). */
    QuantizeStaticStage() {
        this(true);
    }

    /**
     * {@code everyEngine} false: one engine, the platform's default ({@code quantize}'s), as the zoo measures; where
     * it fails (oneDNN refused on a CPU it would abort on), the next one this LibTorch has.
     */
    QuantizeStaticStage(boolean everyEngine) {
        this.everyEngine = everyEngine;
    }

    @Override
    public String name() {
        return "quantize-static";
    }

    @Override
    public String skipReason(StudyContext c) {
        return engines(c, everyEngine).isEmpty() ? "this LibTorch has no quantized engine" : null;
    }

    static List<String> engines(StudyContext c, boolean every) {
        List<String> have = c.backend().quantizedEngines();
        if (!every) {
            if (have.isEmpty()) return List.of();
            // the default first, then the others in QuantEngine's order: the fallbacks
            List<String> order = new ArrayList<>(List.of(org.edgetorch.quant.QuantizedModels.defaultStaticEngine(c.backend())));
            for (QuantEngine e : QuantEngine.values()) if (have.contains(e.id()) && !order.contains(e.id())) order.add(e.id());
            return order;
        }
        List<String> out = new ArrayList<>();
        for (QuantEngine e : QuantEngine.values()) if (have.contains(e.id())) out.add(e.id());
        return out;
    }

    @Override
    public void run(StudyContext c) {
        Path in = Path.of(c.model(Variant.FP32_TORCHSCRIPT).variant().file());
        List<ImageInput> photos = c.calibration();
        // --quick shortens the bundled calibration; photos the user brings are all used
        if (c.options().quick() && c.options().calib() == null) photos = photos.subList(0, Math.min(QUICK_CALIBRATION, photos.size()));
        List<FloatTensor> calibration = photos.stream().map(ImageInput::tensor).toList();
        List<String> failures = new ArrayList<>();
        for (String engine : engines(c, everyEngine)) {
            Path out = c.artifact("int8_" + engine + ".pt");
            Progress.Task task = c.progress().task(engine + " calibration on " + calibration.size() + " photos");
            try {
                QuantizationResult r = Quantizer.quantizeStatic(in, out, new Quantizer.StaticOptions(engine, OBSERVER, false),
                        calibration, (pass, passes, done, total) -> task.update(
                                ((pass - 1) + (double) done / total) / passes,
                                "pass " + pass + "/" + passes + ", photo " + done + "/" + total));
                Agreement agreement;
                try (Model m = org.edgetorch.runtime.Runtimes.load(out)) {
                    agreement = c.agreementWithFp32(m);
                }
                c.addModel(new StudyModel(new Variant(Variant.int8Static(engine), "INT8 static " + engine.toUpperCase(Locale.ROOT)
                        + " (.pt)", name(), "torchscript", "int8", engine, out.toString(), r.outputBytes(), agreement),
                        () -> org.edgetorch.runtime.Runtimes.load(out), true));
                task.done(String.format(Locale.ROOT, "%s, %.2f MB, SQNR %s dB on the held-out photos", out, r.outputBytes() / 1e6,
                        ReportMarkdown.sqnr(agreement.sqnrDb())));
                c.note(String.format(Locale.ROOT, "Static INT8 %s: %d convolutions, %d linear, %d adds, %d fused activations; "
                                + "%s weights, activations uint8 [0, %d], %s observer, calibrated on %d photos in %.1f s.",
                        engine.toUpperCase(Locale.ROOT), r.convs(), r.linears(), r.adds(), r.fusedActivations(),
                        r.perChannelWeights() ? "per-channel" : "per-tensor", r.activationQmax(), r.observer(),
                        r.calibrationInputs(), r.calibrationMillis() / 1e3));
                if (!everyEngine) {
                    // one engine is what the zoo wants; the ones that failed before it are reported, not fatal
                    for (String f : failures) c.note(FELL_BACK + f + "; used " + engine + " instead.");
                    return;
                }
            } catch (UserError e) {
                task.done("FAILED: " + e.getMessage());
                failures.add(engine + ": " + e.getMessage());
            }
        }
        if (!failures.isEmpty()) throw new UserError("static quantization failed for " + String.join("; ", failures));
    }
}
