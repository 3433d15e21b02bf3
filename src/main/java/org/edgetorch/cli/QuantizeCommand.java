package org.edgetorch.cli;

import org.edgetorch.backend.Backend;
import org.edgetorch.backend.ScriptModel;
import org.edgetorch.image.ImageInput;
import org.edgetorch.image.ImageInputs;
import org.edgetorch.image.StudyImages;
import org.edgetorch.quant.Fidelity;
import org.edgetorch.quant.ObserverKind;
import org.edgetorch.quant.QuantizationResult;
import org.edgetorch.quant.QuantizedModels;
import org.edgetorch.quant.Quantizer;
import org.edgetorch.tensor.Agreement;
import org.edgetorch.tensor.FloatTensor;
import org.edgetorch.util.Json;
import org.edgetorch.util.UserError;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParameterException;
import picocli.CommandLine.Spec;

import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

@Command(name = "quantize", mixinStandardHelpOptions = true,
        description = {"INT8 quantization of a TorchScript CNN.",
                "dynamic: Linear layers get int8 weights, activations are quantized on the fly (PyTorch's quantize_dynamic).",
                "static: BatchNorm folded, ReLU/ReLU6 fused, activation ranges calibrated on images, int8 weights prepacked "
                        + "for one engine, quantized ops from input to output."})
public final class QuantizeCommand implements Runnable {

    @Option(names = "--mode", required = true, paramLabel = "MODE", description = "dynamic or static.")
    String mode;

    @Option(names = "--in", required = true, paramLabel = "FILE", description = "FP32 TorchScript file (e.g. models/mobilenet_v2_fp32.pt).")
    Path in;

    @Option(names = "--out", paramLabel = "FILE",
            description = "Output .pt (default: beside --in, <name>_int8_<engine>.pt for static, <name>_dynamic_int8.pt for dynamic).")
    Path out;

    @Option(names = "--engine", paramLabel = "NAME",
            description = "Quantized engine: fbgemm, x86, onednn, qnnpack (static default: onednn on x86 CPUs, qnnpack elsewhere; "
                    + "dynamic default: LibTorch's current engine). The weights are packed for it and the file must run under it.")
    String engine;

    @Option(names = "--calib", paramLabel = "IMAGE|DIR", split = ",",
            description = "Calibration images (default: the bundled calibration photos).")
    List<Path> calib;

    @Option(names = "--calib-count", paramLabel = "N", description = "Use the first N calibration images (default: 16).")
    int calibCount = StudyImages.CALIBRATION_COUNT;

    @Option(names = "--observer", paramLabel = "KIND",
            description = "Activation ranges: minmax (default), histogram (least squared error), percentile (99.99%%).")
    String observer = "minmax";

    @Option(names = "--per-tensor", description = "One weight scale per layer even where the engine takes per-channel scales.")
    boolean perTensor;

    @Option(names = "--eval-count", paramLabel = "N",
            description = "Held-out images for the fidelity report (default: 10; 0 skips it). Taken from the bundled held-out "
                    + "photos, or from the --calib images after the first --calib-count.")
    int evalCount = 10;

    @Mixin
    ImageOptions imageOptions;

    @Mixin
    RuntimeOptions runtime;

    @Mixin
    OutputOptions output;

    @Spec
    CommandSpec spec;

    @Override
    public void run() {
        String m = mode.toLowerCase(Locale.ROOT);
        if (!m.equals("static") && !m.equals("dynamic")) throw usage("--mode must be static or dynamic, got '" + mode + "'");
        if (calibCount < 1) throw usage("--calib-count must be at least 1");
        if (evalCount < 0) throw usage("--eval-count must be >= 0");
        ObserverKind kind;
        try {
            kind = ObserverKind.parse(observer);
        } catch (UserError e) {
            throw usage(e.getMessage());
        }
        if (m.equals("dynamic") && (calib != null || perTensor)) throw usage("--calib and --per-tensor apply to --mode static only");
        if (out != null) org.edgetorch.util.AtomicFiles.requireReplaceable(out); // before minutes of work, not after
        Backend backend = runtime.backend();
        String eng = engine != null ? engine : m.equals("static") ? QuantizedModels.defaultStaticEngine(backend) : null;
        // an unknown engine fails before any image is read or anything is written
        if (eng != null) {
            String caution = org.edgetorch.quant.QuantEngine.resolve(eng, backend).cpuCaution();
            if (caution != null && m.equals("static")) System.err.println("note: " + caution);
        }
        org.edgetorch.backend.ModelFiles.inspect(in);

        List<FloatTensor> evalInputs;
        QuantizationResult r;
        if (m.equals("static")) {
            List<ImageInput> calibration;
            List<ImageInput> rest;
            if (calib == null) {
                calibration = StudyImages.calibration();
                rest = StudyImages.heldOut();
                if (calibCount < calibration.size()) calibration = calibration.subList(0, calibCount);
            } else {
                List<Path> files = ImageInputs.expand(calib);
                int n = Math.min(calibCount, files.size());
                calibration = ImageInputs.collect(files.subList(0, n), imageOptions.preprocessor());
                rest = evalCount == 0 ? List.of() : ImageInputs.collect(files.subList(n, Math.min(files.size(), n + evalCount)),
                        imageOptions.preprocessor());
            }
            evalInputs = tensors(rest.subList(0, Math.min(evalCount, rest.size())));
            Path target = out != null ? out : sibling(in, "_int8_" + eng.toLowerCase(Locale.ROOT));
            r = Quantizer.quantizeStatic(in, target, new Quantizer.StaticOptions(eng, kind, perTensor), tensors(calibration),
                    new ConsoleProgress());
        } else {
            evalInputs = evalCount == 0 ? List.of() : tensors(StudyImages.heldOut().subList(0, Math.min(evalCount, StudyImages.heldOut().size())));
            Path target = out != null ? out : sibling(in, "_dynamic_int8");
            r = Quantizer.quantizeDynamic(in, target, eng);
        }

        Agreement fidelity = null;
        if (!evalInputs.isEmpty()) {
            try (ScriptModel fp32 = QuantizedModels.load(in); ScriptModel q = QuantizedModels.load(r.output())) {
                fidelity = Fidelity.compare(fp32, q, evalInputs);
            }
        }
        print(r, fidelity);
    }

    private ParameterException usage(String message) {
        return new ParameterException(spec.commandLine(), message);
    }

    private void print(QuantizationResult r, Agreement f) {
        if (output.json) {
            Map<String, Object> doc = new LinkedHashMap<>();
            doc.put("schema", "edgetorch.quantize/1");
            doc.put("result", r.toMap());
            if (f != null) {
                Map<String, Object> fm = new LinkedHashMap<>();
                fm.put("samples", f.samples());
                fm.put("sqnr_db", f.sqnrDb());
                fm.put("cosine", f.cosine());
                fm.put("top1", f.top1());
                fm.put("top5", f.top5());
                fm.put("max_abs_diff", f.maxAbsDiff());
                doc.put("fidelity", fm);
            }
            System.out.println(Json.write(doc));
            return;
        }
        System.out.printf("wrote %s: %s INT8 for %s", r.output(), r.mode(), r.engine());
        if (r.mode().equals("static")) {
            System.out.printf(", %s observer, %s weights, activations quint8 [0, %d]%n", r.observer(),
                    r.perChannelWeights() ? "per-channel" : "per-tensor", r.activationQmax());
            System.out.printf("  ops: %d conv (BatchNorm folded), %d linear, %d add; %d activations fused (%d need an explicit clamp)%n",
                    r.convs(), r.linears(), r.adds(), r.fusedActivations(), r.explicitClamps());
            System.out.printf("  calibration: %d images in %.1f s%n", r.calibrationInputs(), r.calibrationMillis() / 1000.0);
        } else {
            System.out.printf(", %s weights; %d linear layer(s) quantized, everything else stays FP32%n",
                    r.perChannelWeights() ? "per-channel" : "per-tensor", r.linears());
        }
        System.out.printf("  size: %.2f MB -> %.2f MB (%.1fx smaller)%n", r.inputBytes() / 1e6, r.outputBytes() / 1e6,
                (double) r.inputBytes() / r.outputBytes());
        if (f != null) {
            System.out.printf("  fidelity to FP32 on %d held-out images: SQNR %.1f dB, cosine %.4f, top-1 %.0f%%, top-5 %.0f%%, max |logit diff| %.3g%n",
                    f.samples(), f.sqnrDb(), f.cosine(), 100 * f.top1(), 100 * f.top5(), f.maxAbsDiff());
        }
        System.out.printf("  run it under the %s engine (edgetorch selects it from the file when loading)%n", r.engine());
    }

    private static List<FloatTensor> tensors(List<ImageInput> images) {
        return images.stream().map(ImageInput::tensor).toList();
    }

    /** models/mobilenet_v2_fp32.pt + "_int8_onednn" -> models/mobilenet_v2_int8_onednn.pt */
    static Path sibling(Path in, String suffix) {
        String name = in.getFileName().toString();
        String stem = name.endsWith(".pt") ? name.substring(0, name.length() - 3) : name;
        if (stem.endsWith("_fp32")) stem = stem.substring(0, stem.length() - 5);
        Path dir = in.toAbsolutePath().getParent();
        return dir.resolve(stem + suffix + ".pt");
    }

    /** Calibration progress on stderr: one updating line on a terminal, a line per quarter otherwise. */
    static final class ConsoleProgress implements org.edgetorch.quant.CalibrationProgress {
        private final boolean terminal = System.console() != null;

        @Override
        public void update(int pass, int passes, int done, int total) {
            String pfx = passes > 1 ? "calibrating (pass " + pass + "/" + passes + ")" : "calibrating";
            if (terminal) {
                System.err.printf("\r%s: %d/%d images", pfx, done, total);
                if (done == total && pass == passes) System.err.println();
            } else if (done == total || done % Math.max(1, total / 4) == 0) {
                System.err.printf("%s: %d/%d images%n", pfx, done, total);
            }
            System.err.flush();
        }
    }
}
