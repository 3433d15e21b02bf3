package org.edgetorch.export.onnx;

import org.bytedeco.pytorch.JitModule;
import org.edgetorch.backend.ModelFiles;
import org.edgetorch.export.ExportChecks;
import org.edgetorch.export.onnx.proto.Onnx.ModelProto;
import org.edgetorch.export.onnx.proto.Onnx.NodeProto;
import org.edgetorch.graph.ModelGraph;
import org.edgetorch.quant.Fidelity;
import org.edgetorch.quant.Quantizer;
import org.edgetorch.runtime.Model;
import org.edgetorch.runtime.onnxruntime.OrtRuntime;
import org.edgetorch.tensor.Agreement;
import org.edgetorch.tensor.FloatTensor;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/**
 * {@code export --format onnx} and {@code quantize --mode static --format onnx}: a TorchScript model (a file,
 * or the traced built-in model in memory) frozen, read into a {@link ModelGraph}, prepared, written with
 * {@link OnnxWriter}, run by ONNX Runtime on a check input, and only then written to disk (atomically).
 */
public final class OnnxExport {
    /** The action named in errors: "cannot export to ONNX: ...". */
    public static final String ACTION = "export to ONNX";

    private OnnxExport() {
    }

    /**
     * What was written: size, op counts, whether the batch is dynamic, and the check: for FP32 the largest
     * difference to LibTorch on a seeded input; for INT8 the agreement with the FP32 ONNX model of the same
     * graph on the evaluation inputs (null without any).
     */
    public record Result(Path file, long bytes, String precision, Map<String, Integer> ops, boolean dynamicBatch,
                         double checkMaxAbsDiff, Agreement fidelity) {
    }

    /** FP32 ONNX of a TorchScript file whose forward takes one [N, C, H, W] tensor. */
    public static Result fp32(Path in, Path out, long[] inputShape, OnnxWriter.Provenance p) {
        return fp32(ModelFiles.loadChecked(in), in.toString(), out, inputShape, p);
    }

    /** FP32 ONNX of a TorchScript module in memory (e.g. the traced built-in model); {@code source} names it in errors. */
    public static Result fp32(JitModule module, String source, Path out, long[] inputShape, OnnxWriter.Provenance p) {
        ExportChecks.Frozen f = ExportChecks.freezeAndRead(module, source, inputShape, ACTION);
        ModelProto model = OnnxWriter.fp32(f.graph(), inputShape, p);
        byte[] bytes = model.toByteArray();
        FloatTensor x = ExportChecks.checkInput(inputShape);
        FloatTensor expected = ExportChecks.libtorchOutput(f.module(), x, source);
        FloatTensor got;
        try (Model ort = check(bytes, "the written FP32 ONNX model")) {
            got = ort.forward(x);
        }
        double diff = ExportChecks.requireMatch(expected, got, "ONNX Runtime");
        ExportChecks.write(out, bytes);
        return new Result(out, bytes.length, "fp32", opCounts(model), dynamicBatch(model), diff, null);
    }

    /**
     * INT8 QDQ ONNX of a calibrated graph ({@link Quantizer#calibrate} with activations on [0, 255]). The
     * written bytes run in ONNX Runtime first: on {@code evalInputs}, against the FP32 ONNX model of the same
     * graph (the result's fidelity); with none, on one calibration-shaped seeded input, to prove it runs.
     */
    public static Result qdq(Quantizer.Calibration c, Path out, long[] inputShape, OnnxWriter.Provenance p,
                             List<FloatTensor> evalInputs) {
        if (c.activationQmax() != 255) {
            throw new IllegalArgumentException("ONNX QDQ needs activations calibrated on [0, 255], got [0, " + c.activationQmax() + "]");
        }
        ModelProto model = OnnxWriter.qdq(c.graph(), c.activations(), inputShape, p);
        byte[] bytes = model.toByteArray();
        Agreement fidelity = null;
        if (evalInputs.isEmpty()) {
            try (Model ort = check(bytes, "the written INT8 ONNX model")) {
                ort.forward(ExportChecks.checkInput(inputShape));
            }
        } else {
            byte[] reference = OnnxWriter.fp32(c.graph(), inputShape, p).toByteArray();
            fidelity = compare(reference, bytes, evalInputs);
        }
        ExportChecks.write(out, bytes);
        return new Result(out, bytes.length, "int8-qdq", opCounts(model), dynamicBatch(model), Double.NaN, fidelity);
    }

    /** Both serialized models run by ONNX Runtime on each input ([C,H,W] or [1,C,H,W]), compared as logits. */
    public static Agreement compare(byte[] reference, byte[] candidate, List<FloatTensor> inputs) {
        List<FloatTensor> ref = new ArrayList<>(), out = new ArrayList<>();
        try (Model r = check(reference, "the FP32 ONNX reference"); Model c = check(candidate, "the written ONNX model")) {
            for (FloatTensor x : inputs) {
                FloatTensor b = x.dim() == 3 ? new FloatTensor(new long[]{1, x.size(0), x.size(1), x.size(2)}, x.data()) : x;
                ref.add(r.forward(b));
                out.add(c.forward(b));
            }
        }
        return Agreement.of(Fidelity.stack(ref), Fidelity.stack(out));
    }

    /**
     * The written bytes in ONNX Runtime itself, one thread, all graph optimizations, so the exporter checks
     * what it wrote before the file replaces anything.
     */
    private static Model check(byte[] model, String what) {
        return new OrtRuntime().load(model, what);
    }

    /** The shape a calibration input gives the model: [C,H,W] is batched to [1,C,H,W]. */
    public static long[] batchedShape(FloatTensor t) {
        return t.dim() == 3 ? new long[]{1, t.size(0), t.size(1), t.size(2)} : t.shape().clone();
    }

    static Map<String, Integer> opCounts(ModelProto m) {
        Map<String, Integer> ops = new TreeMap<>();
        for (NodeProto n : m.getGraph().getNodeList()) ops.merge(n.getOpType(), 1, Integer::sum);
        return ops;
    }

    private static boolean dynamicBatch(ModelProto m) {
        return m.getGraph().getInput(0).getType().getTensorType().getShape().getDim(0).hasDimParam();
    }
}
