package org.edgetorch.export.tflite;

import com.google.flatbuffers.FlatBufferBuilder;
import org.edgetorch.graph.Activation;
import org.edgetorch.graph.GraphShapes;
import org.edgetorch.graph.ModelGraph;
import org.edgetorch.graph.Node;
import org.edgetorch.graph.OpKind;
import org.edgetorch.graph.QParams;
import org.edgetorch.tensor.FloatTensor;
import org.edgetorch.util.UserError;
import org.tensorflow.lite.schema.ActivationFunctionType;
import org.tensorflow.lite.schema.AddOptions;
import org.tensorflow.lite.schema.Buffer;
import org.tensorflow.lite.schema.BuiltinOperator;
import org.tensorflow.lite.schema.BuiltinOptions;
import org.tensorflow.lite.schema.ConcatenationOptions;
import org.tensorflow.lite.schema.Conv2DOptions;
import org.tensorflow.lite.schema.DepthwiseConv2DOptions;
import org.tensorflow.lite.schema.FullyConnectedOptions;
import org.tensorflow.lite.schema.Model;
import org.tensorflow.lite.schema.MulOptions;
import org.tensorflow.lite.schema.Operator;
import org.tensorflow.lite.schema.OperatorCode;
import org.tensorflow.lite.schema.Padding;
import org.tensorflow.lite.schema.Pool2DOptions;
import org.tensorflow.lite.schema.QuantizationParameters;
import org.tensorflow.lite.schema.ReshapeOptions;
import org.tensorflow.lite.schema.SliceOptions;
import org.tensorflow.lite.schema.SubGraph;
import org.tensorflow.lite.schema.Tensor;
import org.tensorflow.lite.schema.TensorType;
import org.tensorflow.lite.schema.TransposeOptions;

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
 * image layout), convolution weights OHWI, depthwise weights 1HWO, except the 4-D results of RESHAPE and
 * PERMUTE, which are held in PyTorch's order: each value's layout is tracked and a TRANSPOSE is inserted where an
 * op needs the other one (a reshape or flatten of an NHWC map, a convolution of a PyTorch-order one), once per
 * value. Cat and slice axes follow the layout (NCHW dim 1 is NHWC axis 3). The channel shuffle is written
 * without leaving NHWC. PyTorch's symmetric padding becomes VALID, SAME when TFLite's SAME puts the same padding
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
    /** 4-D values held in PyTorch's dim order (made by RESHAPE / PERMUTE); every other 4-D value is held NHWC. */
    private final Set<Integer> torchOrder = new HashSet<>();
    /** Nodes of a channel shuffle written by its first RESHAPE (NHWC-natively). */
    private final Set<Node> shuffled = new HashSet<>();
    /** A value's tensor in the other layout, once a TRANSPOSE made it. */
    private final Map<Integer, Integer> converted = new HashMap<>();

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
        int output = asNhwc(g.output); // a 4-D output is read as NHWC, like the input
        if (q != null && !int8Io) {
            int f = tensor("logits", tensors.get(output).shape(), TensorType.FLOAT32, 0, null);
            op(BuiltinOperator.DEQUANTIZE, 2, new int[]{output}, f, BuiltinOptions.NONE, null);
            output = f;
        }
        return serialize(description, input, output);
    }

    private void emit(Node n) {
        if (shuffled.contains(n)) return; // written NHWC-natively by the shuffle's first RESHAPE
        int in = n.inputs[0];
        long[] inShape = shapes.of(in);
        long[] outShape = shapes.of(n.output);
        String base = unique(n.name);
        // every arm writes the node and returns its output tensor (in the layout it recorded)
        int y = switch (n.kind) {
            case CONV -> conv(n, base, asNhwc(in), inShape, outShape);
            case LINEAR -> {
                if (inShape.length != 2) {
                    throw refuse(n, "is a linear layer over a " + inShape.length + "-D tensor; TFLite's FULLY_CONNECTED is written for [N, features] inputs only");
                }
                yield linear(n, base, tensorOf.get(in), outShape);
            }
            case ADD, MUL -> binary(n, base, outShape);
            case CLAMP -> {
                Activation a = new Activation(n.min, n.max);
                int builtin;
                if (a.isRelu()) builtin = BuiltinOperator.RELU;
                else if (a.isRelu6()) builtin = BuiltinOperator.RELU6;
                else if (n.min == -1 && n.max == 1) builtin = BuiltinOperator.RELU_N1_TO_1;
                else throw refuse(n, "clamps to [" + n.min + ", " + n.max + "], which TFLite has no activation op for");
                yield unary(n, base, builtin, outShape, BuiltinOptions.NONE, null);
            }
            case HARDSWISH -> unary(n, base, BuiltinOperator.HARD_SWISH, outShape, BuiltinOptions.NONE, null);
            case SIGMOID -> {
                // TFLite's int8 LOGISTIC only takes output scale 1/256, zero point -128 (the calibration's fixed [0, 1])
                if (q != null) requireUnitRange(n);
                yield unary(n, base, BuiltinOperator.LOGISTIC, outShape, BuiltinOptions.NONE, null);
            }
            case HARDSIGMOID -> hardSigmoid(n, base, outShape);
            case CAT -> cat(n, base, outShape);
            case SLICE -> slice(n, base, inShape, outShape);
            case RESHAPE -> {
                Node[] shuffle = channelShuffle(n);
                yield shuffle != null ? shuffleNhwc(shuffle, base, inShape) : reshape(n, base, inShape, outShape);
            }
            case PERMUTE -> permute(n, base, inShape, outShape);
            case ADAPTIVE_AVG_POOL -> {
                long oh = n.outputSize[0], ow = n.outputSize[1];
                if (inShape[2] % oh != 0 || inShape[3] % ow != 0) {
                    throw refuse(n, "pools a " + inShape[2] + "x" + inShape[3] + " input to " + oh + "x" + ow
                            + ", which TFLite has no operator for (the input must be a whole multiple of the output)");
                }
                int kh = (int) (inShape[2] / oh), kw = (int) (inShape[3] / ow);
                int x = asNhwc(in);
                int t = same(n, base, x, outShape);
                op(BuiltinOperator.AVERAGE_POOL_2D, q == null ? 1 : 2, new int[]{x}, t, BuiltinOptions.Pool2DOptions,
                        b -> Pool2DOptions.createPool2DOptions(b, Padding.VALID, kw, kh, kw, kh, ActivationFunctionType.NONE));
                yield t;
            }
            case AVG_POOL -> {
                if (n.divisorOverride != null) throw refuse(n, "sets divisor_override, which TFLite's AVERAGE_POOL_2D does not have");
                if (n.padding[0] != 0 || n.padding[1] != 0) {
                    throw refuse(n, "pads an average pool, whose count_include_pad semantics TFLite's AVERAGE_POOL_2D does not have");
                }
                if (GraphShapesWindow.out(inShape[2], (int) n.kernel[0], (int) n.stride[0], 0, 1) != outShape[2]
                        || GraphShapesWindow.out(inShape[3], (int) n.kernel[1], (int) n.stride[1], 0, 1) != outShape[3]) {
                    throw refuse(n, "is an average pool whose ceil_mode adds a partial window, which TFLite's AVERAGE_POOL_2D would average differently");
                }
                yield pool(n, base, asNhwc(in), inShape, outShape, BuiltinOperator.AVERAGE_POOL_2D);
            }
            case MAX_POOL -> {
                if (n.dilation != null && (n.dilation[0] != 1 || n.dilation[1] != 1)) {
                    throw refuse(n, "is a dilated max pool, which TFLite's MAX_POOL_2D does not have");
                }
                yield pool(n, base, asNhwc(in), inShape, outShape, BuiltinOperator.MAX_POOL_2D);
            }
            case FLATTEN -> flatten(n, base, inShape, outShape);
            case IDENTITY -> alias(n, in);
            case BATCH_NORM -> throw refuse(n, "is a batch_norm left unfolded (GraphPasses.prepare folds or refuses every one)");
        };
        tensorOf.put(n.output, y);
    }

    // ---- layout: which order each value is held in ----

    /** Whether a value is held NHWC in the file: every 4-D value except those a RESHAPE or PERMUTE left in PyTorch's order. */
    private boolean nhwcHeld(int value) {
        return shapes.of(value).length == 4 && !torchOrder.contains(value);
    }

    /** The value's tensor in NHWC: a TRANSPOSE (once per value) when it is held 4-D in PyTorch's order. */
    private int asNhwc(int value) {
        int t = tensorOf.get(value);
        if (shapes.of(value).length != 4 || !torchOrder.contains(value)) return t;
        return converted.computeIfAbsent(value, v -> transpose(t, nhwc(shapes.of(v)), new int[]{0, 2, 3, 1}, tensors.get(t).name() + "_nhwc"));
    }

    /**
     * The value's elements in PyTorch's order, for a RESHAPE: a TRANSPOSE (once per value) from NHWC, unless
     * both orders are the same in memory (one channel, or one pixel: the [N,1,1,C] after a global pool).
     */
    private int inTorchMemoryOrder(int value) {
        int t = tensorOf.get(value);
        if (!nhwcHeld(value)) return t;
        long[] s = shapes.of(value);
        if (s[1] == 1 || s[2] * s[3] == 1) return t;
        return converted.computeIfAbsent(value, v -> transpose(t, ints(s), new int[]{0, 3, 1, 2}, tensors.get(t).name() + "_nchw"));
    }

    private int transpose(int x, int[] outShape, int[] perm, String name) {
        int y = tensor(name, outShape, type(), 0, quantOf(x));
        int p = constant(name + "_perm", new int[]{perm.length}, TensorType.INT32, le(perm));
        // TFLite's op versions: 4 for 5-D, 6 for 6-D transposes
        int version = perm.length > 5 ? 6 : perm.length > 4 ? 4 : q == null ? 1 : 2;
        op(BuiltinOperator.TRANSPOSE, version, new int[]{x, p}, y, BuiltinOptions.TransposeOptions,
                b -> { TransposeOptions.startTransposeOptions(b); return TransposeOptions.endTransposeOptions(b); });
        return y;
    }

    /** NCHW dim to its place in NHWC. */
    private static final int[] NHWC_DIM = {0, 3, 1, 2};

    /** A node whose output is its input (IDENTITY, a flatten of one dim): same tensor, same layout. */
    private int alias(Node n, int in) {
        if (torchOrder.contains(in)) torchOrder.add(n.output);
        return tensorOf.get(in);
    }

    /** The output tensor of {@code n} held like its (first) input, or in the given layout; quantized {@code quant}. */
    private int define(Node n, String base, long[] shape, boolean nhwc, Quant quant) {
        if (shape.length == 4 && !nhwc) torchOrder.add(n.output);
        int t = tensor(base, shape.length == 4 && nhwc ? nhwc(shape) : ints(shape), type(), 0, quant);
        tensorOf.put(n.output, t);
        return t;
    }

    // ---- elementwise ----

    /** An elementwise op of one input, in whatever layout the input is held. */
    private int unary(Node n, String base, int builtin, long[] outShape, byte optionsType, ToIntFunction<FlatBufferBuilder> options) {
        int x = tensorOf.get(n.inputs[0]);
        int y = define(n, base, outShape, !torchOrder.contains(n.inputs[0]), q == null ? null : Quant.of(qp(n.output)));
        // HARD_SWISH has one version for every type; the others 2 for int8
        op(builtin, q == null || builtin == BuiltinOperator.HARD_SWISH ? 1 : 2, new int[]{x}, y, optionsType, options);
        return y;
    }

    private void requireUnitRange(Node n) {
        QParams p = qp(n.output);
        if (Math.abs(p.scale() - 1.0 / 256) > 1e-12 || p.zeroPoint() != -128) {
            throw new IllegalStateException("internal: " + n.where + " is calibrated to scale " + p.scale() + ", zero point "
                    + p.zeroPoint() + "; TFLite's int8 LOGISTIC needs 1/256, -128 (Quantizer.UNIT_RANGE)");
        }
    }

    /**
     * ADD / MUL with PyTorch's broadcasting. Operands of equal rank broadcast the same way in NHWC as in NCHW
     * (both dims move together), so 4-D operands are both taken NHWC ([N,1,1,C] x [N,H,W,C] for a
     * squeeze-and-excitation gate); operands of different ranks are refused when one of them is a 4-D image.
     */
    private int binary(Node n, String base, long[] outShape) {
        int a = n.inputs[0], c = n.inputs[1];
        long[] sa = shapes.of(a), sc = shapes.of(c);
        if (sa.length != sc.length && (sa.length == 4 || sc.length == 4)) {
            throw refuse(n, (n.kind == OpKind.MUL ? "multiplies" : "adds") + " tensors of shapes "
                    + Arrays.toString(sa) + " and " + Arrays.toString(sc)
                    + "; the TFLite writer broadcasts 4-D images only against 4-D operands (the NHWC layout changes which dims align)");
        }
        boolean nhwc = outShape.length == 4 && (nhwcHeld(a) || nhwcHeld(c));
        int x = nhwc ? asNhwc(a) : tensorOf.get(a);
        int z = nhwc ? asNhwc(c) : tensorOf.get(c);
        byte act = activation(n, n.fused);
        int y = define(n, base, outShape, nhwc, q == null ? null : Quant.of(qp(n.output)));
        if (n.kind == OpKind.ADD) {
            op(BuiltinOperator.ADD, q == null ? 1 : 2, new int[]{x, z}, y, BuiltinOptions.AddOptions,
                    b -> AddOptions.createAddOptions(b, act, true));
        } else {
            op(BuiltinOperator.MUL, q == null ? 1 : 2, new int[]{x, z}, y, BuiltinOptions.MulOptions,
                    b -> MulOptions.createMulOptions(b, act));
        }
        return y;
    }

    /**
     * relu6(x + 3) / 6, which TFLite has no builtin for: ADD of the constant 3 with a fused RELU6, then MUL by the
     * constant 1/6. INT8: the constants are int8 symmetric (127 x 3/127 and 127 x (1/6)/127, exact), the sum is on
     * the fixed range [0, 6] (scale 6/255, zero point -128), the product on the output's fixed [0, 1] (scale 1/256,
     * zero point -128, like PyTorch's quantized hardsigmoid).
     */
    private int hardSigmoid(Node n, String base, long[] outShape) {
        int x = tensorOf.get(n.inputs[0]);
        boolean nhwc = !torchOrder.contains(n.inputs[0]);
        int[] shape = outShape.length == 4 && nhwc ? nhwc(outShape) : ints(outShape);
        int three = scalar(base + "_three", 3f);
        int sixth = scalar(base + "_sixth", 1f / 6);
        int sum = tensor(base + "_plus3", shape, type(), 0, q == null ? null : new Quant(new float[]{6f / 255}, new long[]{-128}, 0));
        op(BuiltinOperator.ADD, q == null ? 1 : 2, new int[]{x, three}, sum, BuiltinOptions.AddOptions,
                b -> AddOptions.createAddOptions(b, ActivationFunctionType.RELU6, true));
        int y = define(n, base, outShape, nhwc, q == null ? null : Quant.of(qp(n.output)));
        op(BuiltinOperator.MUL, q == null ? 1 : 2, new int[]{sum, sixth}, y, BuiltinOptions.MulOptions,
                b -> MulOptions.createMulOptions(b, ActivationFunctionType.NONE));
        return y;
    }

    /** A one-element constant: float32, or int8 symmetric with the value at 127. */
    private int scalar(String name, float v) {
        if (q == null) return constant(name, new int[]{1}, TensorType.FLOAT32, le(new float[]{v}));
        int t = constant(name, new int[]{1}, TensorType.INT8, new byte[]{(byte) SymmetricInt8.QMAX});
        tensors.set(t, withQuant(tensors.get(t), new Quant(new float[]{v / SymmetricInt8.QMAX}, new long[]{0}, 0)));
        return t;
    }

    // ---- moving values: cat, slice, reshape, permute, flatten ----

    /**
     * CONCATENATION along the dim in the layout the inputs are held in (NCHW dim 1 is NHWC axis 3). INT8: TFLite's
     * kernel takes inputs on the output's parameters only, so an input calibrated differently is requantized
     * first (int8 QUANTIZE).
     */
    private int cat(Node n, String base, long[] outShape) {
        boolean nhwc = false;
        for (int v : n.inputs) nhwc |= nhwcHeld(v);
        int axis = nhwc ? NHWC_DIM[(int) n.axis] : (int) n.axis;
        Quant own = q == null ? null : Quant.of(qp(n.output));
        int[] xs = new int[n.inputs.length];
        for (int i = 0; i < xs.length; i++) {
            int v = n.inputs[i];
            xs[i] = nhwc ? asNhwc(v) : tensorOf.get(v);
            if (own != null && !sameQuant(quantOf(xs[i]), own)) {
                TensorSpec t = tensors.get(xs[i]);
                int r = tensor(base + "_in" + i, t.shape(), TensorType.INT8, 0, own);
                op(BuiltinOperator.QUANTIZE, 2, new int[]{xs[i]}, r, BuiltinOptions.NONE, null);
                xs[i] = r;
            }
        }
        int y = define(n, base, outShape, nhwc, own);
        op(BuiltinOperator.CONCATENATION, q == null ? 1 : 2, xs, y, BuiltinOptions.ConcatenationOptions,
                b -> ConcatenationOptions.createConcatenationOptions(b, axis, ActivationFunctionType.NONE));
        return y;
    }

    private static boolean sameQuant(Quant a, Quant b) {
        return Arrays.equals(a.scales(), b.scales()) && Arrays.equals(a.zeroPoints(), b.zeroPoints());
    }

    /** SLICE of [sliceStart, sliceEnd) along the dim in the layout the input is held in. */
    private int slice(Node n, String base, long[] inShape, long[] outShape) {
        int in = n.inputs[0];
        boolean nhwc = nhwcHeld(in);
        int x = tensorOf.get(in);
        int rank = inShape.length;
        int axis = nhwc ? NHWC_DIM[(int) n.axis] : (int) n.axis;
        int[] held = nhwc ? nhwc(inShape) : ints(inShape);
        int[] begin = new int[rank], size = held.clone();
        begin[axis] = (int) n.sliceStart;
        size[axis] = (int) (n.sliceEnd - n.sliceStart);
        int beginT = constant(base + "_begin", new int[]{rank}, TensorType.INT32, le(begin));
        int sizeT = constant(base + "_size", new int[]{rank}, TensorType.INT32, le(size));
        int y = define(n, base, outShape, nhwc, quantOf(x));
        op(BuiltinOperator.SLICE, rank > 4 ? 5 : q == null ? 1 : 2, new int[]{x, beginT, sizeT}, y, BuiltinOptions.SliceOptions,
                b -> { SliceOptions.startSliceOptions(b); return SliceOptions.endSliceOptions(b); });
        return y;
    }

    /**
     * ShuffleNet's channel shuffle on an NHWC-held [N,C,H,W]: RESHAPE to [N,g,C/g,H,W], PERMUTE (0,2,1,3,4),
     * RESHAPE to [N,C,H,W], where nothing else reads the two values between. Returns the three nodes, or null.
     */
    private Node[] channelShuffle(Node r1) {
        long[] x = shapes.of(r1.inputs[0]);
        if (!nhwcHeld(r1.inputs[0]) || r1.shape.length != 4 || r1.shape[2] != x[2] || r1.shape[3] != x[3]) return null;
        Node p = soleConsumer(r1.output);
        if (p == null || p.kind != OpKind.PERMUTE || !Arrays.equals(p.perm, new long[]{0, 2, 1, 3, 4})) return null;
        Node r2 = soleConsumer(p.output);
        if (r2 == null || r2.kind != OpKind.RESHAPE || !Arrays.equals(shapes.of(r2.output), x)) return null;
        return new Node[]{r1, p, r2};
    }

    private Node soleConsumer(int value) {
        if (value == g.output) return null;
        Node only = null;
        for (Node n : g.nodes) {
            for (int v : n.inputs) {
                if (v != value) continue;
                if (only != null && only != n) return null;
                only = n;
            }
        }
        return only;
    }

    /**
     * The channel shuffle without leaving NHWC: channel c = i * C/g + j of pixel (h, w) goes to j * g + i, so
     * [N,H,W,C] is reshaped to [N,H,W,g,C/g], transposed to [N,H,W,C/g,g] and reshaped back, instead of
     * transposing the whole map to NCHW and back around it.
     */
    private int shuffleNhwc(Node[] shuffle, String base, long[] in) {
        Node r1 = shuffle[0], r2 = shuffle[2];
        shuffled.add(shuffle[1]);
        shuffled.add(r2);
        int x = tensorOf.get(r1.inputs[0]);
        int n = (int) in[0], c = (int) in[1], h = (int) in[2], w = (int) in[3], groups = (int) r1.shape[0];
        int[] split = {n, h, w, groups, c / groups};
        int splitShape = constant(base + "_shape", new int[]{5}, TensorType.INT32, le(split));
        int y = tensor(base, split, type(), 0, quantOf(x));
        op(BuiltinOperator.RESHAPE, 1, new int[]{x, splitShape}, y, BuiltinOptions.ReshapeOptions,
                b -> ReshapeOptions.createReshapeOptions(b, ReshapeOptions.createNewShapeVector(b, split)));
        int t = transpose(y, new int[]{n, h, w, c / groups, groups}, new int[]{0, 1, 2, 4, 3}, base + "_shuffle");
        int[] back = {n, h, w, c};
        int backShape = constant(base + "_back_shape", new int[]{4}, TensorType.INT32, le(back));
        int z = tensor(unique(r2.name), back, type(), 0, quantOf(x));
        op(BuiltinOperator.RESHAPE, 1, new int[]{t, backShape}, z, BuiltinOptions.ReshapeOptions,
                b -> ReshapeOptions.createReshapeOptions(b, ReshapeOptions.createNewShapeVector(b, back)));
        tensorOf.put(r2.output, z); // held NHWC
        return y;
    }

    /** RESHAPE of the elements in PyTorch's order; the result is held in PyTorch's order too (4-D included). */
    private int reshape(Node n, String base, long[] inShape, long[] outShape) {
        int x = inTorchMemoryOrder(n.inputs[0]);
        return reshapeTo(n, base, x, outShape);
    }

    private int reshapeTo(Node n, String base, int x, long[] outShape) {
        int[] shape = ints(outShape);
        int shapeTensor = constant(base + "_shape", new int[]{shape.length}, TensorType.INT32, le(shape));
        int y = define(n, base, outShape, false, quantOf(x));
        op(BuiltinOperator.RESHAPE, 1, new int[]{x, shapeTensor}, y, BuiltinOptions.ReshapeOptions,
                b -> ReshapeOptions.createReshapeOptions(b, ReshapeOptions.createNewShapeVector(b, shape)));
        return y;
    }

    /**
     * TRANSPOSE by PyTorch's perm; the result is held in PyTorch's order. An NHWC-held input is transposed
     * once, by the perm composed with NHWC's order, rather than to NCHW and then by the perm.
     */
    private int permute(Node n, String base, long[] inShape, long[] outShape) {
        int in = n.inputs[0];
        int[] perm = new int[n.perm.length];
        boolean nhwc = nhwcHeld(in);
        for (int d = 0; d < perm.length; d++) perm[d] = nhwc ? NHWC_DIM[(int) n.perm[d]] : (int) n.perm[d];
        int y = transpose(tensorOf.get(in), ints(outShape), perm, base);
        if (outShape.length == 4) torchOrder.add(n.output);
        return y;
    }

    private int conv(Node n, String base, int x, long[] in, long[] outShape) {
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
        Padded p = pad(n, base, x, in, outShape, kh, kw, sh, sw, dh, dw, false);
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
        checkSize(n, outShape, p, in, kh, kw, sh, sw, dh, dw);
        Padded pp = p;
        if (depthwise) {
            int mult = (int) (o / channels);
            op(BuiltinOperator.DEPTHWISE_CONV_2D, q == null ? 1 : 3, new int[]{pp.tensor, wb[0], wb[1]}, out, BuiltinOptions.DepthwiseConv2DOptions,
                    b -> DepthwiseConv2DOptions.createDepthwiseConv2DOptions(b, pp.padding, sw, sh, mult, act, dw, dh));
        } else {
            op(BuiltinOperator.CONV_2D, q == null ? 1 : 3, new int[]{pp.tensor, wb[0], wb[1]}, out, BuiltinOptions.Conv2DOptions,
                    b -> Conv2DOptions.createConv2DOptions(b, pp.padding, sw, sh, act, dw, dh));
        }
        return out;
    }

    private int linear(Node n, String base, int x, long[] outShape) {
        int o = (int) n.weight.size(0), i = (int) n.weight.size(1);
        byte act = activation(n, n.fused);
        int[] wb = weightAndBias(n, base, x, n.weight.data(), new int[]{o, i}, 0, false);
        int out = out(n, base, outShape);
        op(BuiltinOperator.FULLY_CONNECTED, q == null ? 1 : 4, new int[]{x, wb[0], wb[1]}, out, BuiltinOptions.FullyConnectedOptions,
                b -> FullyConnectedOptions.createFullyConnectedOptions(b, act, (byte) 0, false, false));
        return out;
    }

    private int pool(Node n, String base, int x, long[] in, long[] outShape, int builtin) {
        int kh = (int) n.kernel[0], kw = (int) n.kernel[1], sh = (int) n.stride[0], sw = (int) n.stride[1];
        // zeros are as good as the lowest value before a max pool over values that cannot be negative (after a ReLU)
        Node producer = g.producer(n.inputs[0]);
        boolean nonNegative = producer != null && producer.fused != null && producer.fused.min() >= 0;
        Padded p = pad(n, base, x, in, outShape, kh, kw, sh, sw, 1, 1, builtin == BuiltinOperator.MAX_POOL_2D && !nonNegative);
        checkSize(n, outShape, p, in, kh, kw, sh, sw, 1, 1);
        int y = same(n, base, p.tensor, outShape);
        byte padding = p.padding;
        op(builtin, q == null ? 1 : 2, new int[]{p.tensor}, y, BuiltinOptions.Pool2DOptions,
                b -> Pool2DOptions.createPool2DOptions(b, padding, sw, sh, kw, kh, ActivationFunctionType.NONE));
        return y;
    }

    /**
     * A flatten is a RESHAPE of the elements in PyTorch's order: an NHWC-held spatial map is transposed to NCHW
     * first; after a global pool ([N,1,1,C]) both orders are the same.
     */
    private int flatten(Node n, String base, long[] in, long[] outShape) {
        if (outShape.length == in.length) return alias(n, n.inputs[0]); // flattening one dimension changes nothing
        return reshapeTo(n, base, inTorchMemoryOrder(n.inputs[0]), outShape);
    }

    // ---- padding ----

    /** The tensor a window op reads, its TFLite padding, and (VALID) the padded input's height and width. */
    private record Padded(int tensor, byte padding, long h, long w) {
    }

    /**
     * PyTorch's symmetric padding as TFLite sees it: VALID without padding; SAME when TFLite's SAME rule puts
     * exactly that padding before the data (after it, SAME's extra row or column is never read by a window
     * PyTorch does not have too, which {@link #checkSize} confirms); otherwise an explicit PAD (PADV2 with the
     * lowest value before a max pool) and VALID. A ceil_mode max pool whose last window runs past the data gets
     * that much more padding after it (SAME, or the lowest value).
     */
    private Padded pad(Node n, String base, int x, long[] in, long[] out, int kh, int kw, int sh, int sw, int dh, int dw, boolean maxPool) {
        int ph = (int) n.padding[0], pw = (int) n.padding[1];
        int ah = (int) Math.max(ph, (out[2] - 1) * sh + (long) dh * (kh - 1) + 1 - in[2] - ph);
        int aw = (int) Math.max(pw, (out[3] - 1) * sw + (long) dw * (kw - 1) + 1 - in[3] - pw);
        if (ph == 0 && pw == 0 && ah == 0 && aw == 0) return new Padded(x, Padding.VALID, in[2], in[3]);
        if (sameBefore(in[2], kh, sh, dh) == ph && sameBefore(in[3], kw, sw, dw) == pw
                && ceilDiv(in[2], sh) == out[2] && ceilDiv(in[3], sw) == out[3]) {
            return new Padded(x, Padding.SAME, in[2], in[3]);
        }
        int[] padded = {(int) in[0], (int) in[2] + ph + ah, (int) in[3] + pw + aw, (int) in[1]};
        int y = tensor(base + "_pad", padded, type(), 0, quantOf(x));
        int paddings = constant(base + "_paddings", new int[]{4, 2}, TensorType.INT32, le(new int[]{0, 0, ph, ah, pw, aw, 0, 0}));
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
        return new Padded(y, Padding.VALID, padded[1], padded[2]);
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
    private void checkSize(Node n, long[] outShape, Padded p, long[] in, int kh, int kw, int sh, int sw, int dh, int dw) {
        long h, w;
        if (p.padding == Padding.SAME) {
            h = ceilDiv(in[2], sh);
            w = ceilDiv(in[3], sw);
        } else {
            h = GraphShapesWindow.out(p.h, kh, sh, 0, dh);
            w = GraphShapesWindow.out(p.w, kw, sw, 0, dw);
        }
        if (h != outShape[2] || w != outShape[3]) {
            throw refuse(n, "produces " + outShape[2] + "x" + outShape[3] + " (ceil_mode or padding) where TFLite's "
                    + (p.padding == Padding.SAME ? "SAME" : "VALID") + " window gives " + h + "x" + w);
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

    /** The NHWC output of an op that computes new values: its own calibrated parameters in INT8. */
    private int out(Node n, String base, long[] shape) {
        return define(n, base, shape, true, q == null ? null : Quant.of(qp(n.output)));
    }

    /** The NHWC output of an op that only moves values: its input's parameters (TFLite's kernels require them equal). */
    private int same(Node n, String base, int x, long[] shape) {
        return define(n, base, shape, true, quantOf(x));
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
