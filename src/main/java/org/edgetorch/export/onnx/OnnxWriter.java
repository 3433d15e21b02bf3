package org.edgetorch.export.onnx;

import com.google.protobuf.ByteString;
import org.edgetorch.export.onnx.proto.Onnx.AttributeProto;
import org.edgetorch.export.onnx.proto.Onnx.GraphProto;
import org.edgetorch.export.onnx.proto.Onnx.ModelProto;
import org.edgetorch.export.onnx.proto.Onnx.NodeProto;
import org.edgetorch.export.onnx.proto.Onnx.OperatorSetIdProto;
import org.edgetorch.export.onnx.proto.Onnx.StringStringEntryProto;
import org.edgetorch.export.onnx.proto.Onnx.TensorProto;
import org.edgetorch.export.onnx.proto.Onnx.TensorShapeProto;
import org.edgetorch.export.onnx.proto.Onnx.TypeProto;
import org.edgetorch.export.onnx.proto.Onnx.ValueInfoProto;
import org.edgetorch.graph.Activation;
import org.edgetorch.graph.GraphShapes;
import org.edgetorch.graph.ModelGraph;
import org.edgetorch.graph.Node;
import org.edgetorch.graph.PerChannelInt8;
import org.edgetorch.graph.QParams;
import org.edgetorch.tensor.FloatTensor;
import org.edgetorch.util.UserError;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.Arrays;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * Writes a prepared {@link ModelGraph} (BatchNorm folded, activations fused: {@code GraphPasses.prepare}) as
 * an ONNX model: in FP32, or in INT8 as QDQ (QuantizeLinear / DequantizeLinear pairs that ONNX Runtime fuses
 * into its integer kernels).
 *
 * <p>QDQ layout: every value the graph computes is followed by QuantizeLinear → DequantizeLinear with its
 * calibrated uint8 parameters; weights are int8 per output channel, symmetric ({@link PerChannelInt8}),
 * dequantized on axis 0; biases are int32 with scale input scale × weight scale and zero point 0. A fused
 * ReLU / ReLU6 is not written as an op: the output's quantization range ends at 0 (and 6), and saturation
 * applies it, so each convolution is exactly DequantizeLinear → Conv → QuantizeLinear, the pattern ONNX
 * Runtime fuses into one QLinearConv (a Clip in between stops that fusion). Only a clamp that saturation
 * cannot apply (bounds inside the representable range) is written as a Clip. Ops that only move or pick values
 * (pools, Flatten, Slice, Reshape, Transpose) have their input's parameters on their output too, which is what ONNX
 * Runtime requires to drop their Q/DQ pair and run them on uint8; HardSwish and HardSigmoid have no integer kernel
 * there and run in float between their DequantizeLinear and QuantizeLinear.
 *
 * <p>The writer switches over every {@link org.edgetorch.graph.OpKind}: a new kind does not compile until it
 * is handled here.
 */
public final class OnnxWriter {
    /**
     * ONNX operator set: 14 for HardSwish (13 brought per-axis QuantizeLinear / DequantizeLinear and Clip bounds
     * as inputs).
     */
    public static final int OPSET = 14;
    /** The IR version that goes with opset 14 (ONNX 1.9). */
    public static final long IR_VERSION = 7;
    public static final String INPUT = "input";
    public static final String OUTPUT = "logits";
    /** The name of the dynamic batch dimension of input and output. */
    public static final String BATCH = "batch";
    /** Keys of the metadata_props edgetorch records (ONNX Runtime: {@code OrtSession.getMetadata().getCustomMetadata()}). */
    public static final String META_SOURCE = "edgetorch.source";
    public static final String META_WEIGHTS = "edgetorch.weights";
    /** "fp32", or "int8 qdq ..." for the QDQ files. */
    public static final String META_PRECISION = "edgetorch.precision";
    /** INT8 only: calibration images and observer. */
    public static final String META_CALIBRATION = "edgetorch.calibration";

    private static final long U8_MIN = 0, U8_MAX = 255;

    /** What the file records about where it came from (producer, doc string, metadata_props). */
    public record Provenance(String producerVersion, String docString, Map<String, String> metadata) {
    }

    private final ModelGraph g;
    private final Map<Integer, QParams> q;
    private final GraphShapes shapes;
    private final GraphProto.Builder graph = GraphProto.newBuilder();
    /** The float tensor that consumers read for each value (in QDQ: the DequantizeLinear output). */
    private final Map<Integer, String> names = new HashMap<>();
    private final Set<String> used = new HashSet<>();

    private OnnxWriter(ModelGraph g, Map<Integer, QParams> q, GraphShapes shapes) {
        this.g = g;
        this.q = q;
        this.shapes = shapes;
    }

    /** An FP32 model of {@code g} for inputs of {@code inputShape} (its batch dimension is written dynamic where it can be). */
    public static ModelProto fp32(ModelGraph g, long[] inputShape, Provenance p) {
        return new OnnxWriter(g, null, GraphShapes.infer(g, inputShape, "export to ONNX")).write(p);
    }

    /**
     * An INT8 QDQ model of {@code g}, with {@code activations} the uint8 [0, 255] parameters of every value
     * (e.g. {@code Quantizer.calibrate(...).activations()}).
     */
    public static ModelProto qdq(ModelGraph g, Map<Integer, QParams> activations, long[] inputShape, Provenance p) {
        for (QParams a : activations.values()) {
            if (a.qmin() != U8_MIN || a.qmax() != U8_MAX) {
                throw new IllegalArgumentException("ONNX QDQ needs uint8 [0, 255] activations, got [" + a.qmin() + ", " + a.qmax() + "]");
            }
        }
        return new OnnxWriter(g, activations, GraphShapes.infer(g, inputShape, "export to ONNX")).write(p);
    }

    private ModelProto write(Provenance p) {
        graph.setName("edgetorch");
        graph.addInput(valueInfo(INPUT, shapes.of(ModelGraph.INPUT)));
        names.put(ModelGraph.INPUT, INPUT);
        used.add(INPUT);
        if (q != null) quantize(ModelGraph.INPUT, INPUT);
        for (Node n : g.nodes) emit(n);
        graph.addOutput(valueInfo(OUTPUT, shapes.of(g.output)));
        ModelProto.Builder m = ModelProto.newBuilder()
                .setIrVersion(IR_VERSION)
                .setProducerName("edgetorch")
                .setProducerVersion(p.producerVersion())
                .setDocString(p.docString())
                .setModelVersion(1)
                .addOpsetImport(OperatorSetIdProto.newBuilder().setDomain("").setVersion(OPSET))
                .setGraph(graph);
        p.metadata().forEach((k, v) -> m.addMetadataProps(StringStringEntryProto.newBuilder().setKey(k).setValue(v)));
        return m.build();
    }

    // ---- ops ----

    private void emit(Node n) {
        String x = names.get(n.inputs[0]);
        String base = unique(n.name);
        String out = tensorName(base, n);
        // an expression, not a statement: javac then refuses a new OpKind until it has an arm here
        String y = switch (n.kind) {
            case CONV -> {
                String[] wb = q == null ? floatWeights(n, base, n.weight) : quantizedWeights(n, base, x);
                yield activate(n, base, node("Conv", base, inputs(x, wb), out,
                        ints("dilations", n.dilation), intAttr("group", n.groups), ints("kernel_shape", n.weight.size(2), n.weight.size(3)),
                        ints("pads", n.padding[0], n.padding[1], n.padding[0], n.padding[1]), ints("strides", n.stride)));
            }
            case LINEAR -> {
                String l;
                if (shapes.of(n.inputs[0]).length == 2) {
                    String[] wb = q == null ? floatWeights(n, base, n.weight) : quantizedWeights(n, base, x);
                    l = node("Gemm", base, inputs(x, wb), out, intAttr("transB", 1));
                } else {
                    // MatMul takes the weight as [in, out]; the bias is added after, in float
                    FloatTensor wt = transpose(n.weight);
                    String w = q == null ? floatInit(base + ".weight_t", wt) : dequantizedWeight(base + ".weight_t", wt, 1);
                    l = node("MatMul", base + "/MatMul", List.of(x, w), n.bias == null ? out : base + "_matmul");
                    if (n.bias != null) l = node("Add", base + "/Add", List.of(l, floatInit(base + ".bias", n.bias)), out);
                }
                yield activate(n, base, l);
            }
            case ADD -> activate(n, base, node("Add", base, List.of(x, names.get(n.inputs[1])), out));
            // both operands in the same file: Mul broadcasts as PyTorch does (an SE gate [N, C, 1, 1] over [N, C, H, W])
            case MUL -> node("Mul", base, List.of(x, names.get(n.inputs[1])), out);
            case CLAMP -> clip(base, x, n.min, n.max, out);
            // PyTorch's hardsigmoid is relu6(x + 3) / 6 = clip(x / 6 + 0.5, 0, 1): ONNX's HardSigmoid with these two
            case HARDSIGMOID -> node("HardSigmoid", base, List.of(x), out, floats("alpha", 1f / 6), floats("beta", 0.5f));
            // ONNX's HardSwish (opset 14) is fixed at alpha 1/6, beta 0.5: x * hardsigmoid(x), PyTorch's
            case HARDSWISH -> node("HardSwish", base, List.of(x), out);
            case SIGMOID -> node("Sigmoid", base, List.of(x), out);
            case CAT -> {
                List<String> in = new java.util.ArrayList<>();
                for (int v : n.inputs) in.add(names.get(v));
                yield node("Concat", base, in, out, intAttr("axis", n.axis));
            }
            case SLICE -> node("Slice", base, List.of(x, int64Init(base + ".starts", new long[]{n.sliceStart}),
                    int64Init(base + ".ends", new long[]{n.sliceEnd}), int64Init(base + ".axes", new long[]{n.axis})), out);
            case RESHAPE -> {
                // 0 copies the batch dim from the input (so it stays dynamic); allowzero 0 is what makes 0 mean that
                long[] shape = new long[n.shape.length + 1];
                System.arraycopy(n.shape, 0, shape, 1, n.shape.length);
                yield node("Reshape", base, List.of(x, int64Init(base + ".shape", shape)), out, intAttr("allowzero", 0));
            }
            case PERMUTE -> node("Transpose", base, List.of(x), out, ints("perm", n.perm));
            case ADAPTIVE_AVG_POOL -> {
                long[] in = shapes.of(n.inputs[0]);
                long oh = n.outputSize[0], ow = n.outputSize[1];
                if (oh == 1 && ow == 1) yield node("GlobalAveragePool", base, List.of(x), out);
                if (in[2] % oh != 0 || in[3] % ow != 0) {
                    throw new UserError("cannot export to ONNX: " + n.where + " pools a " + in[2] + "x" + in[3] + " input to "
                            + oh + "x" + ow + ", which ONNX has no operator for (the input must be a whole multiple of the output)");
                }
                long kh = in[2] / oh, kw = in[3] / ow;
                yield node("AveragePool", base, List.of(x), out, ints("kernel_shape", kh, kw), ints("strides", kh, kw));
            }
            case AVG_POOL -> {
                if (n.divisorOverride != null) {
                    throw new UserError("cannot export to ONNX: " + n.where + " sets divisor_override, which ONNX's AveragePool does not have");
                }
                yield node("AveragePool", base, List.of(x), out,
                        intAttr("ceil_mode", n.ceilMode ? 1 : 0), intAttr("count_include_pad", n.countIncludePad ? 1 : 0),
                        ints("kernel_shape", n.kernel), ints("pads", n.padding[0], n.padding[1], n.padding[0], n.padding[1]),
                        ints("strides", n.stride));
            }
            case MAX_POOL -> node("MaxPool", base, List.of(x), out,
                    intAttr("ceil_mode", n.ceilMode ? 1 : 0), ints("dilations", n.dilation), ints("kernel_shape", n.kernel),
                    ints("pads", n.padding[0], n.padding[1], n.padding[0], n.padding[1]), ints("strides", n.stride));
            case FLATTEN -> {
                long[] in = shapes.of(n.inputs[0]);
                int start = (int) (n.startDim < 0 ? n.startDim + in.length : n.startDim);
                int end = (int) (n.endDim < 0 ? n.endDim + in.length : n.endDim);
                if (start == 1 && end == in.length - 1) yield node("Flatten", base, List.of(x), out, intAttr("axis", 1));
                // Reshape: 0 copies a dimension (keeps the batch dynamic), -1 takes what is left
                long[] shape = shapes.of(n.output).clone();
                for (int d = 0; d < start; d++) shape[d] = 0;
                shape[start] = -1;
                yield node("Reshape", base, List.of(x, int64Init(base + ".shape", shape)), out);
            }
            case IDENTITY -> node("Identity", base, List.of(x), out);
            case BATCH_NORM -> {
                if (q != null) throw new IllegalStateException("internal: a BatchNorm left after GraphPasses.prepare: " + n.where);
                long c = n.mean.numel();
                String scale = floatInit(base + ".bn_weight", n.weight != null ? n.weight : filled(c, 1));
                String bias = floatInit(base + ".bn_bias", n.bias != null ? n.bias : filled(c, 0));
                yield node("BatchNormalization", base,
                        List.of(x, scale, bias, floatInit(base + ".running_mean", n.mean), floatInit(base + ".running_var", n.var)),
                        out, floats("epsilon", (float) n.eps));
            }
        };
        finish(n, base, y);
    }

    /** The name of the value a node computes: the graph output's name for the last one in FP32. */
    private String tensorName(String base, Node n) {
        return q == null && n.output == g.output && n.fused == null ? OUTPUT : base;
    }

    /** A fused activation: in FP32 a Relu or Clip; in QDQ nothing when saturation applies it, else a Clip. */
    private String activate(Node n, String base, String y) {
        Activation a = n.fused;
        if (a == null) return y;
        String out = q == null && n.output == g.output ? OUTPUT : base + "_" + (a.isRelu() ? "relu" : "clip");
        if (q != null && a.enforcedBy(q.get(n.output), U8_MIN, U8_MAX)) return y;
        return clip(base, y, a.min(), a.max(), out);
    }

    private String clip(String base, String x, double lo, double hi, String out) {
        if (lo == 0 && hi == Double.POSITIVE_INFINITY) return node("Relu", base + "/Relu", List.of(x), out);
        String min = lo == Double.NEGATIVE_INFINITY ? "" : floatScalar(base + ".clip_min", (float) lo);
        String max = hi == Double.POSITIVE_INFINITY ? "" : floatScalar(base + ".clip_max", (float) hi);
        return node("Clip", base + "/Clip", max.isEmpty() ? List.of(x, min) : List.of(x, min, max), out);
    }

    /** Records the float tensor that holds value {@code n.output}; in QDQ it goes through QuantizeLinear → DequantizeLinear first. */
    private void finish(Node n, String base, String y) {
        names.put(n.output, y);
        if (q != null) quantize(n.output, y);
    }

    private void quantize(int value, String y) {
        QParams p = q.get(value);
        if (p == null) throw new IllegalStateException("internal: no quantization parameters for value " + value);
        String stem = y.equals(INPUT) ? INPUT : y;
        String scale = floatScalar(stem + ".scale", (float) p.scale());
        String zp = uint8Scalar(stem + ".zero_point", (int) p.zeroPoint());
        String qv = node("QuantizeLinear", stem + "/QuantizeLinear", List.of(y, scale, zp), stem + "_quantized");
        String out = value == g.output ? OUTPUT : stem + "_dequantized";
        names.put(value, node("DequantizeLinear", stem + "/DequantizeLinear", List.of(qv, scale, zp), out));
    }

    // ---- weights ----

    private String[] floatWeights(Node n, String base, FloatTensor w) {
        String wn = floatInit(base + ".weight", w);
        return n.bias == null ? new String[]{wn} : new String[]{wn, floatInit(base + ".bias", n.bias)};
    }

    /** int8 per-channel weight and int32 bias (scale input scale × weight scale), each through DequantizeLinear on axis 0. */
    private String[] quantizedWeights(Node n, String base, String x) {
        PerChannelInt8 w = PerChannelInt8.of(n.weight);
        String wn = dequantize(base + ".weight", w, 0);
        if (n.bias == null) return new String[]{wn};
        float inScale = (float) q.get(n.inputs[0]).scale();
        int c = w.channels();
        float[] scales = new float[c];
        int[] values = new int[c];
        for (int i = 0; i < c; i++) {
            scales[i] = inScale * (float) w.scales()[i];
            double v = Math.rint(n.bias.data()[i] / (double) scales[i]);
            values[i] = (int) Math.max(Integer.MIN_VALUE, Math.min(Integer.MAX_VALUE, v));
        }
        String bq = init(base + ".bias_quantized", TensorProto.DataType.INT32, new long[]{c}, le(values));
        String bs = init(base + ".bias_scale", TensorProto.DataType.FLOAT, new long[]{c}, le(scales));
        String bz = init(base + ".bias_zero_point", TensorProto.DataType.INT32, new long[]{c}, new byte[4 * c]);
        String bn = node("DequantizeLinear", base + ".bias/DequantizeLinear", List.of(bq, bs, bz), base + ".bias_dequantized",
                intAttr("axis", 0));
        return new String[]{wn, bn};
    }

    private String dequantizedWeight(String name, FloatTensor w, int axis) {
        // quantized per output channel, which is axis 1 of a transposed [in, out] weight
        PerChannelInt8 p = PerChannelInt8.of(axis == 0 ? w : transpose(w));
        if (axis == 0) return dequantize(name, p, 0);
        PerChannelInt8 t = new PerChannelInt8(w.shape(), transpose(p.values(), p.shape()), p.scales());
        return dequantize(name, t, axis);
    }

    private String dequantize(String name, PerChannelInt8 w, int axis) {
        int c = w.channels();
        float[] scales = new float[c];
        for (int i = 0; i < c; i++) scales[i] = (float) w.scales()[i];
        String wq = init(name + "_quantized", TensorProto.DataType.INT8, w.shape(), w.values());
        String ws = init(name + "_scale", TensorProto.DataType.FLOAT, new long[]{c}, le(scales));
        String wz = init(name + "_zero_point", TensorProto.DataType.INT8, new long[]{c}, new byte[c]);
        return node("DequantizeLinear", name + "/DequantizeLinear", List.of(wq, ws, wz), name + "_dequantized", intAttr("axis", axis));
    }

    private static FloatTensor transpose(FloatTensor w) {
        int r = (int) w.size(0), c = (int) w.size(1);
        float[] t = new float[r * c];
        for (int i = 0; i < r; i++) {
            for (int j = 0; j < c; j++) t[j * r + i] = w.data()[i * c + j];
        }
        return new FloatTensor(new long[]{c, r}, t);
    }

    private static byte[] transpose(byte[] v, long[] shape) {
        int r = (int) shape[0], c = (int) shape[1];
        byte[] t = new byte[r * c];
        for (int i = 0; i < r; i++) {
            for (int j = 0; j < c; j++) t[j * r + i] = v[i * c + j];
        }
        return t;
    }

    private static FloatTensor filled(long n, float v) {
        float[] d = new float[(int) n];
        Arrays.fill(d, v);
        return new FloatTensor(new long[]{n}, d);
    }

    // ---- protobuf building ----

    private String node(String op, String name, List<String> inputs, String output, AttributeProto... attributes) {
        NodeProto.Builder b = NodeProto.newBuilder().setOpType(op).setName(name).addAllInput(inputs).addOutput(output);
        for (AttributeProto a : attributes) b.addAttribute(a);
        graph.addNode(b);
        return output;
    }

    private static List<String> inputs(String x, String[] rest) {
        String[] all = new String[rest.length + 1];
        all[0] = x;
        System.arraycopy(rest, 0, all, 1, rest.length);
        return List.of(all);
    }

    private String floatInit(String name, FloatTensor t) {
        return init(name, TensorProto.DataType.FLOAT, t.shape(), le(t.data()));
    }

    private String floatScalar(String name, float v) {
        return init(name, TensorProto.DataType.FLOAT, new long[0], le(new float[]{v}));
    }

    private String uint8Scalar(String name, int v) {
        return init(name, TensorProto.DataType.UINT8, new long[0], new byte[]{(byte) v});
    }

    private String int64Init(String name, long[] v) {
        ByteBuffer b = ByteBuffer.allocate(8 * v.length).order(ByteOrder.LITTLE_ENDIAN);
        for (long x : v) b.putLong(x);
        return init(name, TensorProto.DataType.INT64, new long[]{v.length}, b.array());
    }

    private String init(String name, TensorProto.DataType type, long[] dims, byte[] raw) {
        TensorProto.Builder t = TensorProto.newBuilder().setName(name).setDataType(type.getNumber()).setRawData(ByteString.copyFrom(raw));
        for (long d : dims) t.addDims(d);
        graph.addInitializer(t);
        return name;
    }

    private static byte[] le(float[] v) {
        ByteBuffer b = ByteBuffer.allocate(4 * v.length).order(ByteOrder.LITTLE_ENDIAN);
        b.asFloatBuffer().put(v);
        return b.array();
    }

    private static byte[] le(int[] v) {
        ByteBuffer b = ByteBuffer.allocate(4 * v.length).order(ByteOrder.LITTLE_ENDIAN);
        b.asIntBuffer().put(v);
        return b.array();
    }

    private ValueInfoProto valueInfo(String name, long[] shape) {
        TensorShapeProto.Builder s = TensorShapeProto.newBuilder();
        for (int i = 0; i < shape.length; i++) {
            TensorShapeProto.Dimension.Builder d = TensorShapeProto.Dimension.newBuilder();
            if (i == 0 && shapes.batchKept()) d.setDimParam(BATCH);
            else d.setDimValue(shape[i]);
            s.addDim(d);
        }
        return ValueInfoProto.newBuilder().setName(name).setType(TypeProto.newBuilder().setTensorType(
                TypeProto.Tensor.newBuilder().setElemType(TensorProto.DataType.FLOAT.getNumber()).setShape(s))).build();
    }

    private static AttributeProto intAttr(String name, long v) {
        return AttributeProto.newBuilder().setName(name).setType(AttributeProto.AttributeType.INT).setI(v).build();
    }

    private static AttributeProto ints(String name, long... v) {
        AttributeProto.Builder a = AttributeProto.newBuilder().setName(name);
        for (long x : v) a.addInts(x);
        return a.setType(AttributeProto.AttributeType.INTS).build();
    }

    private static AttributeProto floats(String name, float v) {
        return AttributeProto.newBuilder().setName(name).setType(AttributeProto.AttributeType.FLOAT).setF(v).build();
    }

    /** Node names of the graph are readable (weights' names) but not always unique: a suffix makes them so. */
    private String unique(String base) {
        String s = base;
        for (int i = 2; !used.add(s); i++) s = base + "_" + i;
        return s;
    }
}
