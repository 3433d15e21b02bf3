package org.edgetorch.export.tflite;

import org.edgetorch.export.ExportChecks;
import org.bytedeco.pytorch.JitModule;
import org.edgetorch.backend.ModelFiles;
import org.edgetorch.graph.ModelGraph;
import org.edgetorch.quant.Fidelity;
import org.edgetorch.quant.Quantizer;
import org.edgetorch.runtime.Model;
import org.edgetorch.runtime.Runtimes;
import org.edgetorch.runtime.tflite.TfliteRuntime;
import org.edgetorch.tensor.Agreement;
import org.edgetorch.tensor.FloatTensor;

import java.nio.ByteBuffer;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/**
 * {@code export --format tflite} and {@code quantize --mode static --format tflite}: a TorchScript model frozen,
 * read into a {@link ModelGraph}, prepared, written with {@link TfliteWriter}, run by TensorFlow Lite's own
 * interpreter from the written bytes, and only then written to disk (atomically).
 */
public final class TfliteExport {

    private TfliteExport() {
    }

    /**
     * What was written: size, op counts, and the check: for FP32 the largest difference to LibTorch on a seeded
     * input; for INT8 the agreement with the FP32 TFLite model of the same graph on the evaluation inputs (null
     * without any).
     */
    public record Result(Path file, long bytes, String precision, Map<String, Integer> ops, double checkMaxAbsDiff,
                         Agreement fidelity) {
    }

    /** FP32 .tflite of a TorchScript file whose forward takes one [N, C, H, W] tensor. */
    public static Result fp32(Path in, Path out, long[] inputShape, String description) {
        return fp32(ModelFiles.loadChecked(in), in.toString(), out, inputShape, description);
    }

    /** FP32 .tflite of a TorchScript module in memory; {@code source} names it in errors. */
    public static Result fp32(JitModule module, String source, Path out, long[] inputShape, String description) {
        ExportChecks.Frozen f = ExportChecks.freezeAndRead(module, source, inputShape, TfliteWriter.ACTION);
        byte[] bytes = TfliteWriter.fp32(f.graph(), inputShape, description);
        FloatTensor x = ExportChecks.checkInput(inputShape);
        FloatTensor expected = ExportChecks.libtorchOutput(f.module(), x, source);
        FloatTensor got;
        try (Model m = runtime().load(bytes, "the written TFLite model", Runtimes.xnnpack())) {
            got = m.forward(x);
        }
        double diff = ExportChecks.requireMatch(expected, got, "TensorFlow Lite");
        ExportChecks.write(out, bytes);
        return new Result(out, bytes.length, "fp32", opCounts(bytes), diff, null);
    }

    /**
     * Full-integer INT8 .tflite of a calibrated graph ({@link Quantizer#calibrate} with activations on [0, 255]).
     * The written bytes run in TensorFlow Lite first: on {@code evalInputs}, against the FP32 TFLite model of the
     * same graph (the result's fidelity); with none, on one seeded input, to prove it runs.
     */
    public static Result int8(Quantizer.Calibration c, Path out, long[] inputShape, boolean int8Io, String description,
                              List<FloatTensor> evalInputs) {
        if (c.activationQmax() != 255) {
            throw new IllegalArgumentException("TFLite INT8 needs activations calibrated on [0, 255], got [0, " + c.activationQmax() + "]");
        }
        byte[] bytes = TfliteWriter.int8(c.graph(), c.activations(), inputShape, int8Io, description);
        Agreement fidelity = null;
        if (evalInputs.isEmpty()) {
            try (Model m = runtime().load(bytes, "the written TFLite model", Runtimes.xnnpack())) {
                m.forward(ExportChecks.checkInput(inputShape));
            }
        } else {
            byte[] reference = TfliteWriter.fp32(c.graph(), inputShape, description);
            fidelity = compare(reference, bytes, evalInputs);
        }
        ExportChecks.write(out, bytes);
        return new Result(out, bytes.length, int8Io ? "int8 (int8 input/output)" : "int8", opCounts(bytes), Double.NaN, fidelity);
    }

    /** Both serialized models run by TensorFlow Lite on each input ([C,H,W] or [1,C,H,W]), compared as logits. */
    public static Agreement compare(byte[] reference, byte[] candidate, List<FloatTensor> inputs) {
        List<FloatTensor> ref = new ArrayList<>(), out = new ArrayList<>();
        TfliteRuntime rt = runtime();
        try (Model r = rt.load(reference, "the FP32 TFLite reference", Runtimes.xnnpack());
             Model m = rt.load(candidate, "the written TFLite model", Runtimes.xnnpack())) {
            for (FloatTensor x : inputs) {
                FloatTensor b = x.dim() == 3 ? new FloatTensor(new long[]{1, x.size(0), x.size(1), x.size(2)}, x.data()) : x;
                ref.add(r.forward(b));
                out.add(m.forward(b));
            }
        }
        return Agreement.of(Fidelity.stack(ref), Fidelity.stack(out));
    }

    private static TfliteRuntime runtime() {
        return (TfliteRuntime) Runtimes.get(Runtimes.TFLITE);
    }

    /** Op name to count, read back from the bytes with the schema classes. */
    static Map<String, Integer> opCounts(byte[] bytes) {
        org.tensorflow.lite.schema.Model m = org.tensorflow.lite.schema.Model.getRootAsModel(ByteBuffer.wrap(bytes));
        Map<String, Integer> ops = new TreeMap<>();
        var g = m.subgraphs(0);
        for (int i = 0; i < g.operatorsLength(); i++) {
            int code = m.operatorCodes((int) g.operators(i).opcodeIndex()).builtinCode();
            ops.merge(org.tensorflow.lite.schema.BuiltinOperator.name(code), 1, Integer::sum);
        }
        return ops;
    }
}
