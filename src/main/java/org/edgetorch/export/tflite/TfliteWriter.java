package org.edgetorch.export.tflite;

import com.google.flatbuffers.FlatBufferBuilder;
import org.edgetorch.graph.Activation;
import org.edgetorch.graph.GraphShapes;
import org.edgetorch.graph.ModelGraph;
import org.edgetorch.graph.Node;
import org.edgetorch.graph.QParams;
import org.edgetorch.tensor.FloatTensor;
import org.edgetorch.util.UserError;
import org.tensorflow.lite.schema.ActivationFunctionType;
import org.tensorflow.lite.schema.AddOptions;
import org.tensorflow.lite.schema.Buffer;
import org.tensorflow.lite.schema.BuiltinOperator;
import org.tensorflow.lite.schema.BuiltinOptions;
import org.tensorflow.lite.schema.Conv2DOptions;
import org.tensorflow.lite.schema.DepthwiseConv2DOptions;
import org.tensorflow.lite.schema.FullyConnectedOptions;
import org.tensorflow.lite.schema.Model;
import org.tensorflow.lite.schema.Operator;
import org.tensorflow.lite.schema.OperatorCode;
import org.tensorflow.lite.schema.Padding;
import org.tensorflow.lite.schema.Pool2DOptions;
import org.tensorflow.lite.schema.QuantizationParameters;
import org.tensorflow.lite.schema.ReshapeOptions;
import org.tensorflow.lite.schema.SubGraph;
import org.tensorflow.lite.schema.Tensor;
import org.tensorflow.lite.schema.TensorType;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.function.ToIntFunction;

/**
 * Writes a prepared {@link ModelGraph} (BatchNorm folded, activations fused: {@code GraphPasses.prepare}) as a
 * TensorFlow Lite FlatBuffer, with TFLite's generated schema classes: in FP32, or full-integer INT8 per
 * TFLite's quantization specification.
 *
 * <p>Layout: the graph is NCHW with PyTorch's semantics; every 4-D value is written NHWC (TFLite's only
 * image layout), convolution weights OHWI, depthwise weights 1HWO. A flatten of a 4-D value is written as a
 * TRANSPOSE back to NCHW order before the RESHAPE, except after a global pool ([N,1,1,C]), where both orders
 * are the same. PyTorch's symmetric padding becomes VALID, SAME when TFLite's SAME puts the same padding
 * before the data, or an explicit PAD before a VALID op otherwise (a stride-2 3x3 convolution with padding 1
 * pads 1 before, SAME would pad 0).
 *
 * <p>INT8: weights int8 symmetric per output channel (zero point 0, values in [-127, 127]), fully connected
 * weights per tensor; activations int8 asymmetric, from edgetorch's uint8 calibration shifted by 128 (the same
 * grid); biases int32 with scale input scale × weight scale. Ops that move values without computing new ones
 * (pools, pad, reshape, transpose) keep their input's parameters, as TFLite's kernels require. Float input and
 * output through QUANTIZE / DEQUANTIZE unless {@code int8Io}.
 *
 * <p>The writer switches over every {@link org.edgetorch.graph.OpKind}: a new kind does not compile until it
 * is handled here. What TFLite cannot express is a {@link UserError} naming the op.
 */
public final class TfliteWriter {
    /** The action named in errors: "cannot export to TFLite: ...". */
    public static final String ACTION = "export to TFLite";
    /** TFLite's schema version written in the file. */
    public static final int SCHEMA_VERSION = 3;

    private final ModelGraph g;
    /** int8 parameters of each value, or null for FP32. */
    private final Map<Integer, QParams> q;
    private final GraphShapes shapes;

    private final List<byte[]> buffers = new ArrayList<>();
    private final List<TensorSpec> tensors = new ArrayList<>();
    private final List<OpSpec> ops = new ArrayList<>();
    private final Map<String, Integer> opcodes = new LinkedHashMap<>();
    private final Map<Integer, Integer> tensorOf = new HashMap<>();
    private final Set<String> names = new HashSet<>();

    /** A tensor's int8 quantization: one scale (per tensor) or one per channel along {@code dim}. */
    record Quant(float[] scales, long[] zeroPoints, int dim) {
        static Quant of(QParams p) {
            return new Quant(new float[]{(float) p.scale()}, new long[]{p.zeroPoint()}, 0);
        }
    }

    private record TensorSpec(String name, int[] shape, byte type, int buffer, Quant quant) {
    }

    private record OpSpec(int builtin, int version, int[] inputs, int[] outputs, byte optionsType, ToIntFunction<FlatBufferBuilder> options) {
    }

    private TfliteWriter(ModelGraph g, Map<Integer, QParams> q, GraphShapes shapes) {
        this.g = g;
        this.q = q;
        this.shapes = shapes;
        buffers.add(new byte[0]); // buffer 0: the empty buffer of every tensor without constant data
    }

    /** An FP32 model of {@code g} for inputs of {@code inputShape} (NCHW; the file's input is NHWC). */
    public static byte[] fp32(ModelGraph g, long[] inputShape, String description) {
        return new TfliteWriter(g, null, GraphShapes.infer(g, inputShape, ACTION)).write(description, false);
    }

    /**
     * A full-integer INT8 model of {@code g}, with {@code activations} the uint8 [0, 255] parameters of every
     * value ({@code Quantizer.calibrate(..., 255, ...)}); float input and output unless {@code int8Io}.
     */
    public static byte[] int8(ModelGraph g, Map<Integer, QParams> activations, long[] inputShape, boolean int8Io, String description) {
        Map<Integer, QParams> int8 = new HashMap<>();
        for (Map.Entry<Integer, QParams> e : activations.entrySet()) {
            QParams a = e.getValue();
            if (a.qmin() != 0 || a.qmax() != 255) {
                throw new IllegalArgumentException("TFLite INT8 is written from uint8 [0, 255] activations, got [" + a.qmin() + ", " + a.qmax() + "]");
            }
            // the same grid shifted into int8: x = (q - zp) * scale for q in [0, 255] equals (q' - (zp - 128)) * scale
            int8.put(e.getKey(), new QParams(a.scale(), a.zeroPoint() - 128, -128, 127));
        }
        return new TfliteWriter(g, int8, GraphShapes.infer(g, inputShape, ACTION)).write(description, int8Io);
    }

    // ---- the graph ----

    private byte[] write(String description, boolean int8Io) {
        long[] in = shapes.of(ModelGraph.INPUT);
        int[] inNhwc = nhwc(in);
        int input;
        if (q == null || int8Io) {
            input = tensor("input", inNhwc, q == null ? TensorType.FLOAT32 : TensorType.INT8, 0, q == null ? null : Quant.of(qp(ModelGraph.INPUT)));
            tensorOf.put(ModelGraph.INPUT, input);
        } else {
            input = tensor("input", inNhwc, TensorType.FLOAT32, 0, null);
            int quantized = tensor("input_int8", inNhwc, TensorType.INT8, 0, Quant.of(qp(ModelGraph.INPUT)));
            op(BuiltinOperator.QUANTIZE, 2, new int[]{input}, quantized, BuiltinOptions.NONE, null);
            tensorOf.put(ModelGraph.INPUT, quantized);
        }
        for (Node n : g.nodes) emit(n);
        int output = tensorOf.get(g.output);
        if (q != null && !int8Io) {
            int f = tensor("logits", tensors.get(output).shape(), TensorType.FLOAT32, 0, null);
            op(BuiltinOperator.DEQUANTIZE, 2, new int[]{output}, f, BuiltinOptions.NONE, null);
            output = f;
        }
        return serialize(description, input, output);
    }

    private void emit(Node n) {
        int x = tensorOf.get(n.inputs[0]);
        long[] inShape = shapes.of(n.inputs[0]);
        long[] outShape = shapes.of(n.output);
        String base = unique(n.name);
        switch (n.kind) {
            case CONV -> conv(n, base, x, inShape, outShape);
            case LINEAR -> {
                if (inShape.length != 2) {
                    throw refuse(n, "is a linear layer over a " + inShape.length + "-D tensor; TFLite's FULLY_CONNECTED is written for [N, features] inputs only");
                }
                linear(n, base, x, outShape);
            }
            case ADD -> {
                long[] other = shapes.of(n.inputs[1]);
                if (!Arrays.equals(inShape, other)) {
                    throw refuse(n, "adds tensors of shapes " + Arrays.toString(inShape) + " and " + Arrays.toString(other)
                            + "; the TFLite writer only adds tensors of the same shape (broadcasting across the NHWC layout is not handled)");
                }
                byte act = activation(n, n.fused);
                int y = out(n, base, outShape);
                op(BuiltinOperator.ADD, q == null ? 1 : 2, new int[]{x, tensorOf.get(n.inputs[1])}, y, BuiltinOptions.AddOptions,
                        b -> AddOptions.createAddOptions(b, act, true));
            }
            case CLAMP -> {
                Activation a = new Activation(n.min, n.max);
                int builtin;
                if (a.isRelu()) builtin = BuiltinOperator.RELU;
                else if (a.isRelu6()) builtin = BuiltinOperator.RELU6;
                else if (n.min == -1 && n.max == 1) builtin = BuiltinOperator.RELU_N1_TO_1;
                else throw refuse(n, "clamps to [" + n.min + ", " + n.max + "], which TFLite has no activation op for");
                int y = out(n, base, outShape);
                op(builtin, q == null ? 1 : 2, new int[]{x}, y, BuiltinOptions.NONE, null);
            }
            case ADAPTIVE_AVG_POOL -> {
                long oh = n.outputSize[0], ow = n.outputSize[1];
                if (inShape[2] % oh != 0 || inShape[3] % ow != 0) {
                    throw refuse(n, "pools a " + inShape[2] + "x" + inShape[3] + " input to " + oh + "x" + ow
                            + ", which TFLite has no operator for (the input must be a whole multiple of the output)");
                }
                int kh = (int) (inShape[2] / oh), kw = (int) (inShape[3] / ow);
                int y = same(n, base, x, outShape);
                op(BuiltinOperator.AVERAGE_POOL_2D, q == null ? 1 : 2, new int[]{x}, y, BuiltinOptions.Pool2DOptions,
                        b -> Pool2DOptions.createPool2DOptions(b, Padding.VALID, kw, kh, kw, kh, ActivationFunctionType.NONE));
            }
            case AVG_POOL -> {
                if (n.divisorOverride != null) throw refuse(n, "sets divisor_override, which TFLite's AVERAGE_POOL_2D does not have");
                if (n.padding[0] != 0 || n.padding[1] != 0) {
                    throw refuse(n, "pads an average pool, whose count_include_pad semantics TFLite's AVERAGE_POOL_2D does not have");
                }
                pool(n, base, x, inShape, outShape, BuiltinOperator.AVERAGE_POOL_2D);
            }
            case MAX_POOL -> {
                if (n.dilation != null && (n.dilation[0] != 1 || n.dilation[1] != 1)) {
                    throw refuse(n, "is a dilated max pool, which TFLite's MAX_POOL_2D does not have");
                }
                pool(n, base, x, inShape, outShape, BuiltinOperator.MAX_POOL_2D);
            }
            case FLATTEN -> flatten(n, base, x, inShape, outShape);
            case IDENTITY -> tensorOf.put(n.output, x);
            case HARDSWISH, HARDSIGMOID, SIGMOID, MUL, CAT, SLICE, RESHAPE, PERMUTE -> throw refuse(n, "is not written yet");
            case BATCH_NORM -> throw refuse(n, "is a batch_norm left unfolded (GraphPasses.prepare folds or refuses every one)");
        }
    }

    private void conv(Node n, String base, int x, long[] in, long[] outShape) {
        FloatTensor w = n.weight;
        int o = (int) w.size(0), i = (int) w.size(1), kh = (int) w.size(2), kw = (int) w.size(3);
        long channels = in[1];
        boolean depthwise = n.groups > 1 && n.groups == channels && i == 1;
        if (n.groups != 1 && !depthwise) {
            throw refuse(n, "is a grouped convolution (groups=" + n.groups + " over " + channels
                    + " channels), which neither TFLite's CONV_2D nor DEPTHWISE_CONV_2D expresses");
        }
        int sh = (int) n.stride[0], sw = (int) n.stride[1];
        int dh = (int) n.dilation[0], dw = (int) n.dilation[1];
        Padded p = pad(n, base, x, in, kh, kw, sh, sw, dh, dw, false);
        byte act = activation(n, n.fused);
        // weights: OIHW -> OHWI (CONV_2D) or 1HWO (DEPTHWISE_CONV_2D)
        int[] wShape = depthwise ? new int[]{1, kh, kw, o} : new int[]{o, kh, kw, i};
        float[] src = w.data();
        float[] dst = new float[src.length];
        for (int oc = 0; oc < o; oc++) {
            for (int ic = 0; ic < i; ic++) {
                for (int y = 0; y < kh; y++) {
                    for (int xx = 0; xx < kw; xx++) {
                        float v = src[((oc * i + ic) * kh + y) * kw + xx];
                        int d = depthwise ? (y * kw + xx) * o + oc : ((oc * kh + y) * kw + xx) * i + ic;
                        dst[d] = v;
                    }
                }
            }
        }
        int[] wb = weightAndBias(n, base, p.tensor, dst, wShape, depthwise ? 3 : 0, true);
        int out = out(n, base, outShape);
        checkSize(n, outShape, p.padding, in, kh, kw, sh, sw, dh, dw);
        Padded pp = p;
        if (depthwise) {
            int mult = (int) (o / channels);
            op(BuiltinOperator.DEPTHWISE_CONV_2D, q == null ? 1 : 3, new int[]{pp.tensor, wb[0], wb[1]}, out, BuiltinOptions.DepthwiseConv2DOptions,
                    b -> DepthwiseConv2DOptions.createDepthwiseConv2DOptions(b, pp.padding, sw, sh, mult, act, dw, dh));
        } else {
            op(BuiltinOperator.CONV_2D, q == null ? 1 : 3, new int[]{pp.tensor, wb[0], wb[1]}, out, BuiltinOptions.Conv2DOptions,
                    b -> Conv2DOptions.createConv2DOptions(b, pp.padding, sw, sh, act, dw, dh));
        }
    }

    private void linear(Node n, String base, int x, long[] outShape) {
        int o = (int) n.weight.size(0), i = (int) n.weight.size(1);
        byte act = activation(n, n.fused);
        int[] wb = weightAndBias(n, base, x, n.weight.data(), new int[]{o, i}, 0, false);
        int out = out(n, base, outShape);
        op(BuiltinOperator.FULLY_CONNECTED, q == null ? 1 : 4, new int[]{x, wb[0], wb[1]}, out, BuiltinOptions.FullyConnectedOptions,
                b -> FullyConnectedOptions.createFullyConnectedOptions(b, act, (byte) 0, false, false));
    }

    private void pool(Node n, String base, int x, long[] in, long[] outShape, int builtin) {
        int kh = (int) n.kernel[0], kw = (int) n.kernel[1], sh = (int) n.stride[0], sw = (int) n.stride[1];
        // zeros are as good as the lowest value before a max pool over values that cannot be negative (after a ReLU)
        Node producer = g.producer(n.inputs[0]);
        boolean nonNegative = producer != null && producer.fused != null && producer.fused.min() >= 0;
        Padded p = pad(n, base, x, in, kh, kw, sh, sw, 1, 1, builtin == BuiltinOperator.MAX_POOL_2D && !nonNegative);
        checkSize(n, outShape, p.padding, in, kh, kw, sh, sw, 1, 1);
        int y = same(n, base, p.tensor, outShape);
        byte padding = p.padding;
        op(builtin, q == null ? 1 : 2, new int[]{p.tensor}, y, BuiltinOptions.Pool2DOptions,
                b -> Pool2DOptions.createPool2DOptions(b, padding, sw, sh, kw, kh, ActivationFunctionType.NONE));
    }

    private void flatten(Node n, String base, int x, long[] in, long[] outShape) {
        if (outShape.length == 4) { // flattening one dimension changes nothing
            tensorOf.put(n.output, x);
            return;
        }
        int src = x;
        if (in.length == 4 && !(in[2] == 1 && in[3] == 1 && outShape.length == 2)) {
            // NHWC -> NCHW first, so the flattened order is PyTorch's
            int[] nchw = {(int) in[0], (int) in[1], (int) in[2], (int) in[3]};
            src = tensor(base + "_nchw", nchw, type(), 0, quantOf(x));
            int perm = constant(base + "_perm", new int[]{4}, TensorType.INT32, le(new int[]{0, 3, 1, 2}));
            op(BuiltinOperator.TRANSPOSE, q == null ? 1 : 2, new int[]{x, perm}, src, BuiltinOptions.TransposeOptions,
                    b -> { org.tensorflow.lite.schema.TransposeOptions.startTransposeOptions(b); return org.tensorflow.lite.schema.TransposeOptions.endTransposeOptions(b); });
        }
        int[] shape = ints(outShape);
        int shapeTensor = constant(base + "_shape", new int[]{shape.length}, TensorType.INT32, le(shape));
        int y = tensor(base, shape, type(), 0, quantOf(x));
        tensorOf.put(n.output, y);
        op(BuiltinOperator.RESHAPE, 1, new int[]{src, shapeTensor}, y, BuiltinOptions.ReshapeOptions,
                b -> ReshapeOptions.createReshapeOptions(b, ReshapeOptions.createNewShapeVector(b, shape)));
    }

    // ---- padding ----

    private record Padded(int tensor, byte padding) {
    }

    /**
     * PyTorch's symmetric padding as TFLite sees it: VALID without padding; SAME when TFLite's SAME rule puts
     * exactly that padding before the data (after it, SAME's extra row or column is never read by a window
     * PyTorch does not have too, which {@link #checkSize} confirms); otherwise an explicit PAD (PADV2 with the
     * lowest value before a max pool) and VALID.
     */
    private Padded pad(Node n, String base, int x, long[] in, int kh, int kw, int sh, int sw, int dh, int dw, boolean maxPool) {
        int ph = (int) n.padding[0], pw = (int) n.padding[1];
        if (ph == 0 && pw == 0) return new Padded(x, Padding.VALID);
        if (sameBefore(in[2], kh, sh, dh) == ph && sameBefore(in[3], kw, sw, dw) == pw
                && ceilDiv(in[2], sh) == GraphShapesWindow.out(in[2], kh, sh, ph, dh) && ceilDiv(in[3], sw) == GraphShapesWindow.out(in[3], kw, sw, pw, dw)) {
            return new Padded(x, Padding.SAME);
        }
        int[] padded = {(int) in[0], (int) in[2] + 2 * ph, (int) in[3] + 2 * pw, (int) in[1]};
        int y = tensor(base + "_pad", padded, type(), 0, quantOf(x));
        int paddings = constant(base + "_paddings", new int[]{4, 2}, TensorType.INT32, le(new int[]{0, 0, ph, ph, pw, pw, 0, 0}));
        if (maxPool) {
            byte[] lowest = q == null ? le(new float[]{-Float.MAX_VALUE}) : new byte[]{(byte) -128};
            int value = constant(base + "_pad_value", new int[]{}, type(), lowest);
            if (q != null) tensors.set(value, withQuant(tensors.get(value), quantOf(x)));
            op(BuiltinOperator.PADV2, q == null ? 1 : 2, new int[]{x, paddings, value}, y, BuiltinOptions.PadV2Options,
                    b -> { org.tensorflow.lite.schema.PadV2Options.startPadV2Options(b); return org.tensorflow.lite.schema.PadV2Options.endPadV2Options(b); });
        } else {
            op(BuiltinOperator.PAD, q == null ? 1 : 2, new int[]{x, paddings}, y, BuiltinOptions.PadOptions,
                    b -> { org.tensorflow.lite.schema.PadOptions.startPadOptions(b); return org.tensorflow.lite.schema.PadOptions.endPadOptions(b); });
        }
        return new Padded(y, Padding.VALID);
    }

    /** TFLite's SAME padding before the data along one dimension. */
    private static long sameBefore(long in, int k, int s, int d) {
        long out = ceilDiv(in, s);
        long total = Math.max((out - 1) * s + (long) (k - 1) * d + 1 - in, 0);
        return total / 2;
    }

    private static long ceilDiv(long a, long b) {
        return (a + b - 1) / b;
    }

    /** The output size TFLite computes for the chosen padding must be the one PyTorch computes, or the op is refused. */
    private void checkSize(Node n, long[] outShape, byte padding, long[] in, int kh, int kw, int sh, int sw, int dh, int dw) {
        long h, w;
        if (padding == Padding.SAME) {
            h = ceilDiv(in[2], sh);
            w = ceilDiv(in[3], sw);
        } else {
            long ih = in[2] + 2 * n.padding[0], iw = in[3] + 2 * n.padding[1];
            h = GraphShapesWindow.out(ih, kh, sh, 0, dh);
            w = GraphShapesWindow.out(iw, kw, sw, 0, dw);
        }
        if (h != outShape[2] || w != outShape[3]) {
            throw refuse(n, "produces " + outShape[2] + "x" + outShape[3] + " (ceil_mode or padding) where TFLite's "
                    + (padding == Padding.SAME ? "SAME" : "VALID") + " window gives " + h + "x" + w);
        }
    }

    /** Floor-mode window count, as in PyTorch without ceil_mode. */
    private static final class GraphShapesWindow {
        static long out(long in, int k, int s, long pad, int d) {
            long span = in + 2 * pad - (long) d * (k - 1) - 1;
            return span < 0 ? 0 : span / s + 1;
        }
    }

    // ---- weights ----

    /**
     * The weight tensor (in its TFLite layout, {@code values}) and the bias: float32; or int8 symmetric
     * (per channel along {@code channelDim} when {@code perChannel}, else per tensor) and int32 with scale
     * input scale × weight scale. A missing bias is written as zeros.
     */
    private int[] weightAndBias(Node n, String base, int x, float[] values, int[] shape, int channelDim, boolean perChannel) {
        int channels = shape[channelDim];
        float[] bias = n.bias != null ? n.bias.data() : new float[channels];
        if (q == null) {
            int w = constant(base + "_weight", shape, TensorType.FLOAT32, le(values));
            int b = constant(base + "_bias", new int[]{channels}, TensorType.FLOAT32, le(bias));
            return new int[]{w, b};
        }
        SymmetricInt8 sq = SymmetricInt8.of(values, shape, channelDim, perChannel);
        int w = constant(base + "_weight", shape, TensorType.INT8, sq.values());
        tensors.set(w, withQuant(tensors.get(w), new Quant(sq.scales(), new long[sq.scales().length], perChannel ? channelDim : 0)));
        float inScale = tensors.get(x).quant().scales()[0];
        int[] bq = new int[channels];
        float[] bs = new float[channels];
        for (int c = 0; c < channels; c++) {
            bs[c] = inScale * sq.scales()[perChannel ? c : 0];
            double v = Math.rint(bias[c] / (double) bs[c]);
            bq[c] = (int) Math.max(Integer.MIN_VALUE, Math.min(Integer.MAX_VALUE, v));
        }
        int b = constant(base + "_bias", new int[]{channels}, TensorType.INT32, le(bq));
        float[] biasScales = perChannel ? bs : new float[]{bs[0]};
        tensors.set(b, withQuant(tensors.get(b), new Quant(biasScales, new long[biasScales.length], 0)));
        return new int[]{w, b};
    }

    // ---- tensors ----

    private byte type() {
        return q == null ? TensorType.FLOAT32 : TensorType.INT8;
    }

    private QParams qp(int value) {
        QParams p = q.get(value);
        if (p == null) throw new IllegalStateException("internal: no quantization parameters for value " + value);
        return p;
    }

    private Quant quantOf(int tensor) {
        return tensors.get(tensor).quant();
    }

    /** The output of an op that computes new values: its own calibrated parameters in INT8. */
    private int out(Node n, String base, long[] shape) {
        int t = tensor(base, shape.length == 4 ? nhwc(shape) : ints(shape), type(), 0, q == null ? null : Quant.of(qp(n.output)));
        tensorOf.put(n.output, t);
        return t;
    }

    /** The output of an op that only moves values: its input's parameters (TFLite's kernels require them equal). */
    private int same(Node n, String base, int x, long[] shape) {
        int t = tensor(base, shape.length == 4 ? nhwc(shape) : ints(shape), type(), 0, quantOf(x));
        tensorOf.put(n.output, t);
        return t;
    }

    private int tensor(String name, int[] shape, byte type, int buffer, Quant quant) {
        tensors.add(new TensorSpec(unique(name), shape, type, buffer, quant));
        return tensors.size() - 1;
    }

    private int constant(String name, int[] shape, byte type, byte[] data) {
        buffers.add(data);
        return tensor(name, shape, type, buffers.size() - 1, null);
    }

    private static TensorSpec withQuant(TensorSpec t, Quant quant) {
        return new TensorSpec(t.name(), t.shape(), t.type(), t.buffer(), quant);
    }

    private void op(int builtin, int version, int[] inputs, int output, byte optionsType, ToIntFunction<FlatBufferBuilder> options) {
        ops.add(new OpSpec(builtin, version, inputs, new int[]{output}, optionsType, options));
    }

    private byte activation(Node n, Activation a) {
        if (a == null) return ActivationFunctionType.NONE;
        if (a.isRelu()) return ActivationFunctionType.RELU;
        if (a.isRelu6()) return ActivationFunctionType.RELU6;
        if (a.min() == -1 && a.max() == 1) return ActivationFunctionType.RELU_N1_TO_1;
        throw refuse(n, "ends in " + a + ", which TFLite has no fused activation for");
    }

    private static int[] nhwc(long[] nchw) {
        return new int[]{(int) nchw[0], (int) nchw[2], (int) nchw[3], (int) nchw[1]};
    }

    private static int[] ints(long[] v) {
        int[] o = new int[v.length];
        for (int i = 0; i < v.length; i++) o[i] = Math.toIntExact(v[i]);
        return o;
    }

    private String unique(String base) {
        String s = base;
        for (int i = 2; !names.add(s); i++) s = base + "_" + i;
        return s;
    }

    private static UserError refuse(Node n, String why) {
        return new UserError("cannot " + ACTION + ": " + n.where + " " + why);
    }

    static byte[] le(float[] v) {
        ByteBuffer b = ByteBuffer.allocate(4 * v.length).order(ByteOrder.LITTLE_ENDIAN);
        b.asFloatBuffer().put(v);
        return b.array();
    }

    static byte[] le(int[] v) {
        ByteBuffer b = ByteBuffer.allocate(4 * v.length).order(ByteOrder.LITTLE_ENDIAN);
        b.asIntBuffer().put(v);
        return b.array();
    }

    // ---- FlatBuffer ----

    private byte[] serialize(String description, int input, int output) {
        long bytes = 0;
        for (byte[] d : buffers) bytes += d.length + 16;
        if (bytes > Integer.MAX_VALUE - (1 << 20)) {
            throw new UserError("cannot " + ACTION + ": " + bytes + " bytes of weights, more than a FlatBuffer can hold (2 GiB)");
        }
        FlatBufferBuilder b = new FlatBufferBuilder((int) Math.min(Integer.MAX_VALUE / 2, bytes + (1 << 16)));
        int[] bufferOffsets = new int[buffers.size()];
        for (int i = 0; i < buffers.size(); i++) {
            byte[] d = buffers.get(i);
            if (d.length == 0) {
                Buffer.startBuffer(b);
                bufferOffsets[i] = Buffer.endBuffer(b);
            } else {
                // 16-byte aligned data, so TFLite and XNNPACK read weights in place
                b.startVector(1, d.length, 16);
                for (int k = d.length - 1; k >= 0; k--) b.putByte(d[k]);
                int data = b.endVector();
                bufferOffsets[i] = Buffer.createBuffer(b, data);
            }
        }
        int[] tensorOffsets = new int[tensors.size()];
        for (int i = 0; i < tensors.size(); i++) {
            TensorSpec t = tensors.get(i);
            int name = b.createString(t.name());
            int shape = Tensor.createShapeVector(b, t.shape());
            int quant = 0;
            if (t.quant() != null) {
                int scale = QuantizationParameters.createScaleVector(b, t.quant().scales());
                int zp = QuantizationParameters.createZeroPointVector(b, t.quant().zeroPoints());
                QuantizationParameters.startQuantizationParameters(b);
                QuantizationParameters.addScale(b, scale);
                QuantizationParameters.addZeroPoint(b, zp);
                QuantizationParameters.addQuantizedDimension(b, t.quant().dim());
                quant = QuantizationParameters.endQuantizationParameters(b);
            }
            Tensor.startTensor(b);
            Tensor.addShape(b, shape);
            Tensor.addType(b, t.type());
            Tensor.addBuffer(b, t.buffer());
            Tensor.addName(b, name);
            if (quant != 0) Tensor.addQuantization(b, quant);
            tensorOffsets[i] = Tensor.endTensor(b);
        }
        List<String> codeKeys = new ArrayList<>();
        int[] opOffsets = new int[ops.size()];
        for (int i = 0; i < ops.size(); i++) {
            OpSpec o = ops.get(i);
            String key = o.builtin() + "/" + o.version();
            Integer index = opcodes.get(key);
            if (index == null) {
                index = opcodes.size();
                opcodes.put(key, index);
                codeKeys.add(key);
            }
            int options = o.options() == null ? 0 : o.options().applyAsInt(b);
            int ins = Operator.createInputsVector(b, o.inputs());
            int outs = Operator.createOutputsVector(b, o.outputs());
            Operator.startOperator(b);
            Operator.addOpcodeIndex(b, index);
            Operator.addInputs(b, ins);
            Operator.addOutputs(b, outs);
            if (o.options() != null) {
                Operator.addBuiltinOptionsType(b, o.optionsType());
                Operator.addBuiltinOptions(b, options);
            }
            opOffsets[i] = Operator.endOperator(b);
        }
        int[] codeOffsets = new int[codeKeys.size()];
        for (int i = 0; i < codeKeys.size(); i++) {
            String[] kv = codeKeys.get(i).split("/");
            int builtin = Integer.parseInt(kv[0]);
            OperatorCode.startOperatorCode(b);
            // the byte field read by older runtimes; every op written here is below 127
            OperatorCode.addDeprecatedBuiltinCode(b, (byte) builtin);
            OperatorCode.addBuiltinCode(b, builtin);
            OperatorCode.addVersion(b, Integer.parseInt(kv[1]));
            codeOffsets[i] = OperatorCode.endOperatorCode(b);
        }
        int subgraphName = b.createString("main");
        int tensorsVec = SubGraph.createTensorsVector(b, tensorOffsets);
        int inputsVec = SubGraph.createInputsVector(b, new int[]{input});
        int outputsVec = SubGraph.createOutputsVector(b, new int[]{output});
        int opsVec = SubGraph.createOperatorsVector(b, opOffsets);
        int subgraph = SubGraph.createSubGraph(b, tensorsVec, inputsVec, outputsVec, opsVec, subgraphName);
        int codesVec = Model.createOperatorCodesVector(b, codeOffsets);
        int subgraphsVec = Model.createSubgraphsVector(b, new int[]{subgraph});
        int desc = b.createString(description);
        int buffersVec = Model.createBuffersVector(b, bufferOffsets);
        Model.startModel(b);
        Model.addVersion(b, SCHEMA_VERSION);
        Model.addOperatorCodes(b, codesVec);
        Model.addSubgraphs(b, subgraphsVec);
        Model.addDescription(b, desc);
        Model.addBuffers(b, buffersVec);
        Model.finishModelBuffer(b, Model.endModel(b));
        return b.sizedByteArray();
    }
}
