package org.edgetorch.cli;

import org.edgetorch.export.onnx.OnnxExport;
import org.edgetorch.export.onnx.OnnxWriter;
import org.edgetorch.export.tflite.TfliteExport;
import org.edgetorch.jit.TorchScriptExport;
import org.edgetorch.nn.TorchvisionModel;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParameterException;
import picocli.CommandLine.Spec;

import java.io.PrintWriter;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Locale;
import java.util.Map;

@Command(name = "export", mixinStandardHelpOptions = true,
        description = {"Trace the Java model into a TorchScript file that LibTorch and PyTorch load, or write it as ONNX.",
                "--format onnx: FP32 ONNX (opset " + OnnxWriter.OPSET + ", dynamic batch) of the built-in model or of a "
                        + "TorchScript file (--in), checked in ONNX Runtime against LibTorch before it is written.",
                "--format tflite: FP32 TensorFlow Lite (NHWC, fixed input shape) of the same, checked in TensorFlow Lite "
                        + "against LibTorch before it is written."})
public final class ExportCommand implements Runnable {

    @Option(names = "--out", paramLabel = "FILE",
            description = "Output file (default: models/<arch>_fp32.pt, models/<arch>_fp32.onnx or .tflite, or beside --in with "
                    + ".onnx or .tflite).")
    Path out;

    @Option(names = "--format", paramLabel = "FORMAT", description = "torchscript (default; also pt), onnx or tflite.")
    String format = "torchscript";

    @Option(names = "--in", paramLabel = "FILE.pt",
            description = "With --format onnx or tflite: a TorchScript CNN file to convert instead of the built-in model.")
    Path in;

    @Option(names = "--input-shape", paramLabel = "N,C,H,W", split = ",",
            description = "With --format onnx or tflite: the input the model is written and checked for (default: 1,3,224,224; "
                    + "ONNX keeps the batch dynamic where the ops allow; a .tflite has this shape, as NHWC).")
    long[] inputShape;

    @Mixin
    ModelOptions modelOptions;

    @Mixin
    RuntimeOptions runtime;

    @Spec
    CommandSpec spec;

    @Override
    public void run() {
        String f = format.toLowerCase(Locale.ROOT);
        if (f.equals("pt")) f = "torchscript";  // the file extension users know
        if (!f.equals("torchscript") && !f.equals("onnx") && !f.equals("tflite")) {
            throw usage("--format must be torchscript (pt), onnx or tflite, got '" + format + "'");
        }
        boolean onnx = f.equals("onnx");
        boolean tflite = f.equals("tflite");
        if (!onnx && !tflite && (in != null || inputShape != null)) throw usage("--in and --input-shape apply to --format onnx and tflite only");
        if (in != null && modelOptions.weights != null) throw usage("--weights applies to the built-in model, not to --in");
        long[] shape = inputShape != null ? inputShape : new long[]{1, 3, 224, 224};
        if (shape.length != 4) throw usage("--input-shape must be N,C,H,W");
        runtime.backend();
        PrintWriter w = spec.commandLine().getOut();
        if (tflite) {
            writeTflite(shape, w);
            return;
        }
        if (!onnx) {
            Path target = out != null ? out : Path.of("models", modelOptions.arch + "_fp32.pt");
            org.edgetorch.util.AtomicFiles.requireReplaceable(target); // before minutes of work, not after
            TorchvisionModel model = modelOptions.create();
            TorchScriptExport.Result r = TorchScriptExport.export(model, target);
            w.printf("wrote %s: %s, %d traced ops, %,d parameters, %.2f MB; traced == eager on the example (max abs diff %.2g)%n",
                    target, model.architecture().name(), r.recordedOps(), model.architecture().parameterCount(),
                    r.bytes() / 1e6, r.exampleMaxAbsDiff());
            w.flush();
            return;
        }
        OnnxExport.Result r;
        if (in != null) {
            org.edgetorch.backend.ModelFiles.inspect(in);
            Path target = out != null ? out : onnxSibling(in, "");
            org.edgetorch.util.AtomicFiles.requireReplaceable(target);
            Map<String, String> meta = new LinkedHashMap<>();
            meta.put(OnnxWriter.META_SOURCE, in.getFileName().toString());
            meta.put(OnnxWriter.META_WEIGHTS, "those of " + in.getFileName());
            meta.put(OnnxWriter.META_PRECISION, "fp32");
            r = OnnxExport.fp32(in, target, shape, new OnnxWriter.Provenance(VersionProvider.version(),
                    "FP32 ONNX of the TorchScript file " + in.getFileName() + ", written by edgetorch", meta));
        } else {
            Path target = out != null ? out : Path.of("models", modelOptions.arch + "_fp32.onnx");
            org.edgetorch.util.AtomicFiles.requireReplaceable(target);
            TorchvisionModel model = modelOptions.create();
            TorchScriptExport.Checked traced = TorchScriptExport.traceChecked(model);
            Map<String, String> meta = new LinkedHashMap<>();
            meta.put(OnnxWriter.META_SOURCE, "built-in " + model.architecture().name());
            meta.put(OnnxWriter.META_WEIGHTS, model.origin() + (model.trained() ? "" : ", untrained"));
            meta.put(OnnxWriter.META_PRECISION, "fp32");
            r = OnnxExport.fp32(traced.traced().module(), "the traced " + model.architecture().name(), target, shape,
                    new OnnxWriter.Provenance(VersionProvider.version(), "FP32 ONNX of edgetorch's " + model.architecture().name()
                            + " traced from its Java model; weights: " + model.origin() + (model.trained() ? "" : " (untrained)"), meta));
        }
        w.printf("wrote %s: ONNX opset %d, FP32, %s batch, %d nodes (%s), %.2f MB; ONNX Runtime == LibTorch on a check input "
                        + "(max abs diff %.2g)%n", r.file(), OnnxWriter.OPSET, r.dynamicBatch() ? "dynamic" : "fixed",
                r.ops().values().stream().mapToInt(Integer::intValue).sum(), ops(r.ops()), r.bytes() / 1e6, r.checkMaxAbsDiff());
        w.flush();
    }

    private void writeTflite(long[] shape, PrintWriter w) {
        TfliteExport.Result r;
        if (in != null) {
            org.edgetorch.backend.ModelFiles.inspect(in);
            Path target = out != null ? out : sibling(in, "", ".tflite");
            r = TfliteExport.fp32(in, target, shape, "FP32 TensorFlow Lite of the TorchScript file " + in.getFileName()
                    + ", written by edgetorch " + VersionProvider.version());
        } else {
            Path target = out != null ? out : Path.of("models", modelOptions.arch + "_fp32.tflite");
            TorchvisionModel model = modelOptions.create();
            TorchScriptExport.Checked traced = TorchScriptExport.traceChecked(model);
            r = TfliteExport.fp32(traced.traced().module(), "the traced " + model.architecture().name(), target, shape,
                    "FP32 TensorFlow Lite of edgetorch's " + model.architecture().name() + " traced from its Java model; weights: "
                            + model.origin() + (model.trained() ? "" : " (untrained)") + "; written by edgetorch " + VersionProvider.version());
        }
        w.printf("wrote %s: TensorFlow Lite, FP32, NHWC input %s, %d ops (%s), %.2f MB; TensorFlow Lite == LibTorch on a check input "
                        + "(max abs diff %.2g)%n", r.file(), nhwc(shape), r.ops().values().stream().mapToInt(Integer::intValue).sum(),
                ops(r.ops()), r.bytes() / 1e6, r.checkMaxAbsDiff());
        w.flush();
    }

    /** N,C,H,W -> "[N,H,W,C]" */
    static String nhwc(long[] s) {
        return "[" + s[0] + "," + s[2] + "," + s[3] + "," + s[1] + "]";
    }

    /** "Conv 52, Gemm 1, ..." */
    static String ops(Map<String, Integer> ops) {
        StringBuilder s = new StringBuilder();
        ops.entrySet().stream().sorted((a, b) -> b.getValue() - a.getValue()).forEach(e -> {
            if (!s.isEmpty()) s.append(", ");
            s.append(e.getKey()).append(' ').append(e.getValue());
        });
        return s.toString();
    }

    /** models/x_fp32.pt + "" -> models/x_fp32.onnx; + "_int8" -> models/x_int8.onnx */
    static Path onnxSibling(Path in, String suffix) {
        return sibling(in, suffix, ".onnx");
    }

    /** models/x_fp32.pt + "_int8", ".tflite" -> models/x_int8.tflite */
    static Path sibling(Path in, String suffix, String extension) {
        String name = in.getFileName().toString();
        String stem = name.endsWith(".pt") ? name.substring(0, name.length() - 3) : name;
        if (!suffix.isEmpty() && stem.endsWith("_fp32")) stem = stem.substring(0, stem.length() - 5);
        return in.toAbsolutePath().getParent().resolve(stem + suffix + extension);
    }

    private ParameterException usage(String message) {
        return new ParameterException(spec.commandLine(), message);
    }
}
