package org.edgetorch.cli;

import org.edgetorch.backend.Backend;
import org.edgetorch.export.onnx.OnnxExport;
import org.edgetorch.export.onnx.OnnxWriter;
import org.edgetorch.export.tflite.TfliteExport;
import org.edgetorch.export.tflite.TfliteWriter;
import org.edgetorch.runtime.Model;
import org.edgetorch.runtime.Runtimes;
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

import java.io.PrintWriter;
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
            description = "Calibration images, all of them (default: the 16 bundled calibration photos).")
    List<Path> calib;

    @Option(names = "--calib-count", paramLabel = "N", description = "Calibrate on the first N images only (default: all).")
    Integer calibCount;

    @Option(names = "--observer", paramLabel = "KIND",
            description = "Activation ranges: minmax (default), histogram (least squared error), percentile (99.99%%).")
    String observer = "minmax";

    @Option(names = "--per-tensor", description = "One weight scale per layer even where the engine takes per-channel scales.")
    boolean perTensor;

    @Option(names = "--format", paramLabel = "FORMAT",
            description = "torchscript or pt (default: a LibTorch INT8 file for --engine) or onnx (static only: INT8 ONNX in the QDQ "
                    + "format for ONNX Runtime, per-channel int8 weights, uint8 activations; default --out beside --in, <name>_int8.onnx) "
                    + "or tflite (static only: full-integer INT8 TensorFlow Lite, per-channel int8 weights, int8 activations, float "
                    + "input/output unless --int8-io; default --out <name>_int8.tflite).")
    String format = "torchscript";

    @Option(names = "--eval", paramLabel = "IMAGE|DIR", split = ",",
            description = "Images for the fidelity report (default: the 10 bundled held-out photos, never used for calibration).")
    List<Path> eval;

    @Option(names = "--int8-io", description = "With --format tflite: int8 input and output tensors (no QUANTIZE/DEQUANTIZE at "
            + "the ends), as microcontroller and NPU toolchains want.")
    boolean int8Io;

    @Option(names = "--eval-count", paramLabel = "N", description = "Fidelity report on the first N of them only (default: all; 0 skips it).")
    Integer evalCount;

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
        if (calibCount != null && calibCount < 1) throw usage("--calib-count must be at least 1");
        if (evalCount != null && evalCount < 0) throw usage("--eval-count must be >= 0");
        ObserverKind kind;
        try {
            kind = ObserverKind.parse(observer);
        } catch (UserError e) {
            throw usage(e.getMessage());
        }
        if (m.equals("dynamic") && (calib != null || calibCount != null || perTensor)) {
            throw usage("--calib, --calib-count and --per-tensor apply to --mode static only");
        }
        String f = format.toLowerCase(Locale.ROOT);
        if (f.equals("pt")) f = "torchscript";  // the file extension users know
        if (!f.equals("torchscript") && !f.equals("onnx") && !f.equals("tflite")) {
            throw usage("--format must be torchscript (pt), onnx or tflite, got '" + format + "'");
        }
        boolean tflite = f.equals("tflite");
        boolean onnx = f.equals("onnx");
        if ((onnx || tflite) && !m.equals("static")) throw usage("--format " + f + " needs --mode static");
        if ((onnx || tflite) && (engine != null || perTensor)) throw usage("--engine and --per-tensor apply to --format torchscript only");
        if (int8Io && !tflite) throw usage("--int8-io applies to --format tflite only");
        if (out != null) org.edgetorch.util.AtomicFiles.requireReplaceable(out); // before minutes of work, not after
        Backend backend = runtime.backend();
        String eng = onnx || tflite ? null : engine != null ? engine : m.equals("static") ? QuantizedModels.defaultStaticEngine(backend) : null;
        // an unknown engine fails before any image is read or anything is written
        if (eng != null) {
            String caution = org.edgetorch.quant.QuantEngine.resolve(eng, backend).cpuCaution();
            if (caution != null && m.equals("static")) spec.commandLine().getErr().println("note: " + caution);
        }
        org.edgetorch.backend.ModelFiles.inspect(in);

        // Fidelity images are read before anything is written, so a bad one fails early.
        List<Path> evalFiles = eval == null || (evalCount != null && evalCount == 0) ? List.of() : firstN(ImageInputs.expand(eval), evalCount);
        List<FloatTensor> evalInputs = eval != null
                ? evalFiles.isEmpty() ? List.of() : tensors(ImageInputs.collect(evalFiles, imageOptions.preprocessor()))
                : tensors(firstN(StudyImages.heldOut(), evalCount));

        QuantizationResult r;
        if (m.equals("static")) {
            List<ImageInput> calibration = calib == null ? firstN(StudyImages.calibration(), calibCount)
                    : ImageInputs.collect(firstN(ImageInputs.expand(calib), calibCount), imageOptions.preprocessor());
            if (onnx) {
                writeOnnx(tensors(calibration), evalInputs, kind);
                return;
            }
            if (tflite) {
                writeTflite(tensors(calibration), evalInputs, kind);
                return;
            }
            if (tflite) {
                writeTflite(tensors(calibration), evalInputs, kind);
                return;
            }
            Path target = out != null ? out : sibling(in, "_int8_" + eng.toLowerCase(Locale.ROOT));
            r = Quantizer.quantizeStatic(in, target, new Quantizer.StaticOptions(eng, kind, perTensor), tensors(calibration),
                    new ConsoleProgress(spec.commandLine().getErr()));
        } else {
            Path target = out != null ? out : sibling(in, "_dynamic_int8");
            r = Quantizer.quantizeDynamic(in, target, eng);
        }
        Agreement fidelity = null;
        if (!evalInputs.isEmpty()) {
            try (Model fp32 = Runtimes.load(in); Model q = Runtimes.load(r.output())) {
                fidelity = Fidelity.compare(fp32, q, evalInputs);
            }
        }
        print(r, fidelity);
    }

    /**
     * Calibration as for LibTorch (activations on uint8 [0, 255], shifted by 128 into int8), written as full-integer
     * TFLite and checked in TensorFlow Lite against the FP32 TFLite model of the same graph.
     */
    private void writeTflite(List<FloatTensor> calibration, List<FloatTensor> evalInputs, ObserverKind kind) {
        Path target = out != null ? out : ExportCommand.sibling(in, "_int8", ".tflite");
        Quantizer.Calibration c = Quantizer.calibrate(in, calibration, kind, 255, TfliteWriter.ACTION, new ConsoleProgress(spec.commandLine().getErr()));
        TfliteExport.Result r = TfliteExport.int8(c, target, OnnxExport.batchedShape(calibration.get(0)), int8Io,
                "Full-integer INT8 TensorFlow Lite of " + in.getFileName() + ", calibrated by edgetorch " + VersionProvider.version()
                        + " on " + c.inputs() + " images (" + kind.id() + " observer)" + (int8Io ? ", int8 input and output" : ""), evalInputs);
        printWritten("tflite", "TensorFlow Lite", Map.of("int8_io", int8Io),
                String.format(Locale.ROOT, "full-integer INT8 TensorFlow Lite, %s observer, per-channel int8 weights, int8 activations, "
                        + "%s input/output", kind.id(), int8Io ? "int8" : "float"), r.file(), r.ops(), c, kind, r.bytes(), r.fidelity());
    }

    /** Calibration as for LibTorch (activations on uint8 [0, 255]), written as QDQ ONNX and checked in ONNX Runtime. */
    private void writeOnnx(List<FloatTensor> calibration, List<FloatTensor> evalInputs, ObserverKind kind) {
        Path target = out != null ? out : ExportCommand.onnxSibling(in, "_int8");
        Quantizer.Calibration c = Quantizer.calibrate(in, calibration, kind, 255, OnnxExport.ACTION, new ConsoleProgress(spec.commandLine().getErr()));
        Map<String, String> meta = new LinkedHashMap<>();
        meta.put(OnnxWriter.META_SOURCE, in.getFileName().toString());
        meta.put(OnnxWriter.META_WEIGHTS, "those of " + in.getFileName() + ", int8 per-channel symmetric");
        meta.put(OnnxWriter.META_PRECISION, "int8 qdq (activations uint8 [0, 255])");
        meta.put(OnnxWriter.META_CALIBRATION, c.inputs() + " images, " + kind.id() + " observer");
        OnnxExport.Result r = OnnxExport.qdq(c, target, OnnxExport.batchedShape(calibration.get(0)), new OnnxWriter.Provenance(
                VersionProvider.version(), "INT8 (QDQ) ONNX of " + in.getFileName() + ", calibrated by edgetorch on " + c.inputs()
                        + " images (" + kind.id() + " observer), written by edgetorch", meta), evalInputs);
        printWritten("onnx", "ONNX Runtime", Map.of("opset", OnnxWriter.OPSET),
                String.format(Locale.ROOT, "static INT8 ONNX (QDQ, opset %d), %s observer, per-channel int8 weights, activations "
                        + "uint8 [0, 255]", OnnxWriter.OPSET, kind.id()), r.file(), r.ops(), c, kind, r.bytes(), r.fidelity());
    }

    /**
     * What {@code --format onnx|tflite} wrote: JSON (schema edgetorch.quantize/1, with the format's own fields in
     * {@code extra}) or a few lines, with the fidelity to the same format's FP32 file when there are eval images.
     */
    private void printWritten(String format, String runtimeName, Map<String, Object> extra, String summary, Path file,
                              Map<String, Integer> ops, Quantizer.Calibration c, ObserverKind kind, long bytes, Agreement f) {
        PrintWriter w = spec.commandLine().getOut();
        if (output.json) {
            Map<String, Object> doc = new LinkedHashMap<>();
            doc.put("schema", "edgetorch.quantize/1");
            Map<String, Object> res = new LinkedHashMap<>();
            res.put("output", file.toString());
            res.put("format", format);
            res.put("mode", "static");
            res.put("observer", kind.id());
            res.putAll(extra);
            res.put("ops", ops);
            res.put("calibration_inputs", c.inputs());
            res.put("calibration_ms", c.millis());
            res.put("output_bytes", bytes);
            doc.put("result", res);
            if (f != null) doc.put("fidelity", fidelityMap(f));
            w.println(Json.write(doc));
        } else {
            w.printf("wrote %s: %s%n", file, summary);
            w.printf("  ops: %s%n", ExportCommand.ops(ops));
            w.printf("  calibration: %d images in %.1f s; size %.2f MB%n", c.inputs(), c.millis() / 1000.0, bytes / 1e6);
            if (f != null) {
                w.printf("  fidelity to FP32 (both in %s) on %d held-out images: SQNR %.1f dB, cosine %.4f, top-1 %.0f%%, "
                        + "top-5 %.0f%%, max |logit diff| %.3g%n", runtimeName, f.samples(), f.sqnrDb(), f.cosine(), 100 * f.top1(),
                        100 * f.top5(), f.maxAbsDiff());
            }
        }
        w.flush();
    }

    private static Map<String, Object> fidelityMap(Agreement f) {
        Map<String, Object> fm = new LinkedHashMap<>();
        fm.put("samples", f.samples());
        fm.put("sqnr_db", f.sqnrDb());
        fm.put("cosine", f.cosine());
        fm.put("top1", f.top1());
        fm.put("top5", f.top5());
        fm.put("max_abs_diff", f.maxAbsDiff());
        return fm;
    }

    /** The first {@code n} of {@code items}, or all of them when {@code n} is null. */
    static <T> List<T> firstN(List<T> items, Integer n) {
        return n == null || n >= items.size() ? items : items.subList(0, n);
    }

    private ParameterException usage(String message) {
        return new ParameterException(spec.commandLine(), message);
    }

    private void print(QuantizationResult r, Agreement f) {
        java.io.PrintWriter out = spec.commandLine().getOut();
        try {
            printTo(out, r, f);
        } finally {
            out.flush();
        }
    }

    private void printTo(java.io.PrintWriter out, QuantizationResult r, Agreement f) {
        if (output.json) {
            Map<String, Object> doc = new LinkedHashMap<>();
            doc.put("schema", "edgetorch.quantize/1");
            doc.put("result", r.toMap());
            if (f != null) doc.put("fidelity", fidelityMap(f));
            out.println(Json.write(doc));
            return;
        }
        out.printf("wrote %s: %s INT8 for %s", r.output(), r.mode(), r.engine());
        if (r.mode().equals("static")) {
            out.printf(", %s observer, %s weights, activations quint8 [0, %d]%n", r.observer(),
                    r.perChannelWeights() ? "per-channel" : "per-tensor", r.activationQmax());
            out.printf("  ops: %d conv (BatchNorm folded), %d linear, %d add; %d activations fused (%d need an explicit clamp)%n",
                    r.convs(), r.linears(), r.adds(), r.fusedActivations(), r.explicitClamps());
            if (!r.floatIslands().isEmpty()) out.printf("  float islands (no quantized kernel): %s%n", String.join(", ", r.floatIslands()));
            out.printf("  calibration: %d images in %.1f s%n", r.calibrationInputs(), r.calibrationMillis() / 1000.0);
        } else {
            out.printf(", %s weights; %d linear layer(s) quantized, everything else stays FP32%n",
                    r.perChannelWeights() ? "per-channel" : "per-tensor", r.linears());
        }
        out.printf("  size: %.2f MB -> %.2f MB (%.1fx smaller)%n", r.inputBytes() / 1e6, r.outputBytes() / 1e6,
                (double) r.inputBytes() / r.outputBytes());
        if (f != null) {
            out.printf("  fidelity to FP32 on %d %s images: SQNR %.1f dB, cosine %.4f, top-1 %.0f%%, top-5 %.0f%%, max |logit diff| %.3g%n",
                    f.samples(), eval == null ? "held-out" : "--eval", f.sqnrDb(), f.cosine(), 100 * f.top1(), 100 * f.top5(), f.maxAbsDiff());
        }
        out.printf("  run it under the %s engine (edgetorch selects it from the file when loading)%n", r.engine());
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
        private final java.io.PrintWriter err;

        ConsoleProgress(java.io.PrintWriter err) {
            this.err = err;
        }

        @Override
        public void update(int pass, int passes, int done, int total) {
            String pfx = passes > 1 ? "calibrating (pass " + pass + "/" + passes + ")" : "calibrating";
            if (terminal) {
                err.printf("\r%s: %d/%d images", pfx, done, total);
                if (done == total && pass == passes) err.println();
            } else if (done == total || done % Math.max(1, total / 4) == 0) {
                err.printf("%s: %d/%d images%n", pfx, done, total);
            }
            err.flush();
        }
    }
}
