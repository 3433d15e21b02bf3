package org.edgetorch.quant;

import org.edgetorch.jit.JitIr;
import org.bytedeco.pytorch.Dispatcher;
import org.bytedeco.pytorch.Graph;
import org.bytedeco.pytorch.JitModule;
import org.bytedeco.pytorch.JitNode;
import org.bytedeco.pytorch.OperatorHandleOptional;
import org.bytedeco.pytorch.OperatorName;
import org.bytedeco.pytorch.Tensor;
import org.bytedeco.pytorch.Type;
import org.bytedeco.pytorch.Value;
import org.bytedeco.pytorch.ValueVector;
import org.bytedeco.pytorch.global.torch;
import org.edgetorch.graph.Activation;
import org.edgetorch.graph.ModelGraph;
import org.edgetorch.graph.OpKind;
import org.edgetorch.graph.QParams;
import org.edgetorch.graph.Node;
import org.edgetorch.tensor.Tensors;

import org.edgetorch.util.UserError;

import java.util.ArrayList;
import java.util.EnumSet;
import java.util.HashMap;
import java.util.List;
import java.util.HashSet;
import java.util.Map;
import java.util.Set;

/**
 * Writes the quantized module: {@code quantize_per_tensor} at the input, {@code quantized::conv2d(_relu)},
 * {@code quantized::linear(_relu)} and {@code quantized::add(_relu)} on weights prepacked under the
 * current engine (held as module attributes, serialized by the packed classes' __getstate__),
 * {@code quantized::hardswish}, {@code quantized::mul}, {@code quantized::cat}, sigmoid and hardsigmoid
 * (fixed output parameters), pooling, slicing, reshaping, permuting and flattening on quantized tensors,
 * {@code dequantize} at the output.
 */
final class StaticEmitter {
    static final String CLASS_NAME = "__torch__.edgetorch.QuantizedModel";
    /** Quantized kernels saturate at the ends of the uint8 type, whatever range the parameters use. */
    private static final long DTYPE_MIN = 0;
    private static final long DTYPE_MAX = 255;

    /** {@code floatIslands}: the nodes run in float between dequantize and quantize, named for the report. */
    record Emitted(JitModule module, int convs, int linears, int adds, int saturatedActivations, int explicitClamps,
                   List<String> floatIslands) {
    }

    private StaticEmitter() {
    }

    /** The engine must already be selected: prepacking lays weights out for it. */
    static Emitted emit(ModelGraph g, Map<Integer, QParams> qparams, boolean perChannel, QuantEngine engine) {
        return emit(g, qparams, perChannel, engine, Set.of());
    }

    /** {@code forceFloat}: kinds to run as float islands even where LibTorch has their quantized kernel (tests). */
    static Emitted emit(ModelGraph g, Map<Integer, QParams> qparams, boolean perChannel, QuantEngine engine, Set<OpKind> forceFloat) {
        Set<OpKind> floatKinds = EnumSet.noneOf(OpKind.class);
        floatKinds.addAll(forceFloat);
        for (OpKind k : OpKind.values()) {
            String op = quantizedKernel(k);
            if (op != null && !hasQuantizedKernel(op)) floatKinds.add(k);
        }
        List<String> islands = new ArrayList<>();
        JitModule root = JitIr.newModule(CLASS_NAME);
        Map<Node, String> packedAttr = new HashMap<>();
        Set<String> used = new HashSet<>();
        for (Node n : g.nodes) {
            if (n.kind != OpKind.CONV && n.kind != OpKind.LINEAR) continue;
            Tensor w = Tensors.toTorch(n.weight);
            Tensor bias = n.bias == null ? null : Tensors.toTorch(n.bias);
            Tensor qw = perChannel ? WeightQuantizer.perChannel(w) : WeightQuantizer.perTensor(w);
            PackedWeights.Packed p = n.kind == OpKind.CONV
                    ? PackedWeights.conv2d(qw, bias, n.stride, n.padding, n.dilation, n.groups, n.where)
                    : PackedWeights.linear(qw, bias, n.where);
            String name = unique(n.name + "_packed", used);
            root.register_attribute(name, p.type(), p.value(), false, false);
            packedAttr.put(n, name);
        }
        JitIr.defineIdentityForward(root);
        Graph graph = root.get_method("forward").graph();
        JitNode ret = graph.return_node();
        graph.setInsertPoint(ret);
        Value self = graph.inputs().get(0);
        Map<Integer, Value> v = new HashMap<>();
        QParams in = qparams.get(ModelGraph.INPUT);
        v.put(ModelGraph.INPUT, JitIr.op(graph, "aten::quantize_per_tensor", graph.inputs().get(1),
                JitIr.f(graph, in.scale()), JitIr.i(graph, in.zeroPoint()), JitIr.dtype(graph, torch.ScalarType.QUInt8)));
        int convs = 0, linears = 0, adds = 0, saturated = 0, clamps = 0;
        for (Node n : g.nodes) {
            Value x = v.get(n.inputs[0]);
            // a switch expression, so a new OpKind fails to compile here until it is emitted
            Value y = floatKinds.contains(n.kind) ? floatIsland(graph, n, v, qparams.get(n.output), islands) : switch (n.kind) {
                case CONV, LINEAR, ADD -> {
                    QParams q = qparams.get(n.output);
                    boolean relu = n.fused != null && n.fused.min() == 0;
                    String base = switch (n.kind) {
                        case CONV -> "quantized::conv2d";
                        case LINEAR -> "quantized::linear";
                        default -> "quantized::add";
                    };
                    Value second = n.kind == OpKind.ADD ? v.get(n.inputs[1]) : graph.insertGetAttr(self, packedAttr.get(n));
                    Value out = JitIr.op(graph, base + (relu ? "_relu" : ""), x, second, JitIr.f(graph, q.scale()), JitIr.i(graph, q.zeroPoint()));
                    if (n.fused != null && !n.fused.isRelu()) {
                        if (saturationEnforces(n.fused, q)) {
                            saturated++;
                        } else {
                            out = clamp(graph, out, n.fused.min(), n.fused.max(), q, engine);
                            clamps++;
                        }
                    }
                    switch (n.kind) {
                        case CONV -> convs++;
                        case LINEAR -> linears++;
                        default -> adds++;
                    }
                    yield out;
                }
                case CLAMP -> n.min == 0 && n.max == Double.POSITIVE_INFINITY
                        ? JitIr.op(graph, "aten::relu", x)
                        : clamp(graph, x, n.min, n.max, qparams.get(n.inputs[0]), engine);
                case ADAPTIVE_AVG_POOL -> JitIr.op(graph, "aten::adaptive_avg_pool2d", x, JitIr.ints(graph, n.outputSize));
                case MAX_POOL -> JitIr.op(graph, "aten::max_pool2d", x, JitIr.ints(graph, n.kernel),
                        JitIr.ints(graph, n.stride), JitIr.ints(graph, n.padding), JitIr.ints(graph, n.dilation),
                        JitIr.b(graph, n.ceilMode));
                case AVG_POOL -> JitIr.op(graph, "aten::avg_pool2d", x, JitIr.ints(graph, n.kernel),
                        JitIr.ints(graph, n.stride), JitIr.ints(graph, n.padding), JitIr.b(graph, n.ceilMode),
                        JitIr.b(graph, n.countIncludePad),
                        n.divisorOverride == null ? JitIr.none(graph) : JitIr.i(graph, n.divisorOverride));
                case FLATTEN -> JitIr.op(graph, "aten::flatten", x, JitIr.i(graph, n.startDim), JitIr.i(graph, n.endDim));
                case IDENTITY -> x;
                case BATCH_NORM -> throw new IllegalStateException("internal: a batch_norm left after GraphPasses.prepare: " + n.where);
                case HARDSWISH -> {
                    QParams q = qparams.get(n.output);
                    yield JitIr.op(graph, "quantized::hardswish", x, JitIr.f(graph, q.scale()), JitIr.i(graph, q.zeroPoint()));
                }
                // the quantized kernels fix their output to scale 1/256, zero point 0 (Quantizer.UNIT_RANGE)
                case HARDSIGMOID -> JitIr.op(graph, "aten::hardsigmoid", x);
                case SIGMOID -> JitIr.op(graph, "aten::sigmoid", x);
                case MUL -> {
                    QParams q = qparams.get(n.output);
                    yield JitIr.op(graph, "quantized::mul", x, v.get(n.inputs[1]), JitIr.f(graph, q.scale()), JitIr.i(graph, q.zeroPoint()));
                }
                case CAT -> {
                    QParams q = qparams.get(n.output);
                    Value[] parts = new Value[n.inputs.length];
                    for (int k = 0; k < parts.length; k++) parts[k] = v.get(n.inputs[k]);
                    yield JitIr.op(graph, "quantized::cat", tensorList(graph, parts), JitIr.i(graph, n.axis),
                            JitIr.f(graph, q.scale()), JitIr.i(graph, q.zeroPoint()));
                }
                case SLICE -> JitIr.op(graph, "aten::slice", x, JitIr.i(graph, n.axis), JitIr.i(graph, n.sliceStart),
                        JitIr.i(graph, n.sliceEnd), JitIr.i(graph, 1));
                // reshape, not view: the input may be a permuted (non-contiguous) tensor, whose contiguous() the
                // reader dropped as an identity; -1 keeps the batch dimension free
                case RESHAPE -> JitIr.op(graph, "aten::reshape", x, JitIr.ints(graph, batchThen(n.shape)));
                case PERMUTE -> JitIr.op(graph, "aten::permute", x, JitIr.ints(graph, n.perm));
            };
            v.put(n.output, y);
        }
        ret.replaceInput(0, JitIr.op(graph, "aten::dequantize", v.get(g.output)));
        graph.lint();
        return new Emitted(root, convs, linears, adds, saturated, clamps, List.copyOf(islands));
    }

    /**
     * Whether the uint8 output's own saturation already applies the fused clamp: the values the
     * parameters can represent stay within the clamp's bounds (to half a step). A ReLU6 on a full
     * 8-bit range (ONEDNN, QNNPACK) is fused this way; with reduce_range (FBGEMM, X86) the type holds
     * up to twice the calibrated range, so an explicit quantized clamp follows the kernel instead.
     */
    static boolean saturationEnforces(Activation a, QParams q) {
        return a.enforcedBy(q, DTYPE_MIN, DTYPE_MAX);
    }

    /**
     * A quantized clamp (same parameters in and out). Both bounds are always given, an open end
     * replaced by the end of what the uint8 tensor can hold: older QNNPACK clamps (PyTorch 1.13)
     * refuse a missing bound. Under QNNPACK the input is made contiguous first: QNNPACK's quantized
     * clamp/hardtanh reads a channels-last tensor (what quantized convolutions return) as if it were
     * NCHW and returns garbage (found in LibTorch 2.10 and PyTorch 1.13; it is also why PyTorch 1.13's
     * own FX QNNPACK MobileNet-V2, whose ReLU6 stays a separate quantized hardtanh, scores about -5 dB).
     */
    private static Value clamp(Graph g, Value x, double lo, double hi, QParams q, QuantEngine engine) {
        double a = lo == Double.NEGATIVE_INFINITY ? q.representableMin(DTYPE_MIN) : lo;
        double b = hi == Double.POSITIVE_INFINITY ? q.representableMax(DTYPE_MAX) : hi;
        Value in = engine == QuantEngine.QNNPACK ? JitIr.op(g, "aten::contiguous", x, JitIr.i(g, 0)) : x;
        return JitIr.op(g, "aten::clamp", in, JitIr.f(g, a), JitIr.f(g, b));
    }

    /**
     * The quantized kernel a kind is emitted with when it computes new values (null for the rest, which run on
     * quantized tensors as views or through kernels the model already relied on). In LibTorch 2.10 all of
     * these have QuantizedCPU kernels on every engine; a LibTorch without one gets a float island instead.
     */
    private static String quantizedKernel(OpKind k) {
        return switch (k) {
            case HARDSWISH -> "quantized::hardswish";
            case HARDSIGMOID -> "aten::hardsigmoid";
            case SIGMOID -> "aten::sigmoid";
            case MUL -> "quantized::mul";
            case CAT -> "quantized::cat";
            case CONV, BATCH_NORM, LINEAR, ADD, CLAMP, ADAPTIVE_AVG_POOL, AVG_POOL, MAX_POOL, FLATTEN, IDENTITY, SLICE, RESHAPE,
                 PERMUTE -> null;
        };
    }

    /**
     * Whether LibTorch's dispatcher has a QuantizedCPU kernel for {@code op}. The key's number is parsed from its
     * name: the presets' {@code DispatchKey.QuantizedCPU} constant is the functionality key's number, not the
     * runtime key's, and finds no kernel at all.
     */
    private static boolean hasQuantizedKernel(String op) {
        OperatorHandleOptional h = Dispatcher.singleton().findSchema(new OperatorName(op, ""));
        return h.has_value() && h.get().hasKernelForDispatchKey(QUANTIZED_CPU);
    }

    private static final short QUANTIZED_CPU = torch.parseDispatchKey("QuantizedCPU");

    /**
     * dequantize, the float op, quantize_per_tensor with the node's parameters: for a kind without a quantized
     * kernel. Only the kinds of {@link #quantizedKernel} get here.
     */
    private static Value floatIsland(Graph g, Node n, Map<Integer, Value> v, QParams q, List<String> islands) {
        Value[] in = new Value[n.inputs.length];
        for (int k = 0; k < in.length; k++) in[k] = JitIr.op(g, "aten::dequantize", v.get(n.inputs[k]));
        Value y = switch (n.kind) {
            case HARDSWISH -> JitIr.op(g, "aten::hardswish", in[0]);
            case HARDSIGMOID -> JitIr.op(g, "aten::hardsigmoid", in[0]);
            case SIGMOID -> JitIr.op(g, "aten::sigmoid", in[0]);
            case MUL -> JitIr.op(g, "aten::mul", in[0], in[1]);
            case CAT -> JitIr.op(g, "aten::cat", tensorList(g, in), JitIr.i(g, n.axis));
            case CONV, BATCH_NORM, LINEAR, ADD, CLAMP, ADAPTIVE_AVG_POOL, AVG_POOL, MAX_POOL, FLATTEN, IDENTITY, SLICE, RESHAPE,
                 PERMUTE -> throw new IllegalStateException("internal: no float island for " + n.where);
        };
        islands.add(n.kind.name().toLowerCase(java.util.Locale.ROOT) + " " + n.name);
        return JitIr.op(g, "aten::quantize_per_tensor", y, JitIr.f(g, q.scale()), JitIr.i(g, q.zeroPoint()),
                JitIr.dtype(g, torch.ScalarType.QUInt8));
    }

    /** [-1, dims...]: the batch dimension stays whatever the input's is. */
    private static long[] batchThen(long[] dims) {
        long[] out = new long[dims.length + 1];
        out[0] = -1;
        System.arraycopy(dims, 0, out, 1, dims.length);
        return out;
    }

    /**
     * A {@code Tensor[]} value of {@code parts}. Its element type is copied from a tensor value's own type
     * (a counted copy), not built from TensorType's singleton (see JitIr's class comment).
     */
    private static Value tensorList(Graph g, Value... parts) {
        Type.TypePtr tensor = new Type.TypePtr(parts[0].type());
        return g.insertNode(g.createList(tensor, new ValueVector(parts))).output();
    }

    private static String unique(String base, Set<String> used) {
        String s = base;
        for (int k = 2; !used.add(s); k++) s = base + "_" + k;
        return s;
    }
}
