package org.edgetorch.jit;

import org.bytedeco.pytorch.Graph;
import org.bytedeco.pytorch.IValue;
import org.bytedeco.pytorch.JitNode;
import org.bytedeco.pytorch.Tensor;
import org.bytedeco.pytorch.Value;
import org.bytedeco.pytorch.global.torch;
import org.edgetorch.graph.GraphShapes;
import org.edgetorch.graph.ModelGraph;
import org.edgetorch.graph.Node;
import org.edgetorch.graph.OpKind;
import org.edgetorch.tensor.FloatTensor;
import org.edgetorch.tensor.Tensors;
import org.edgetorch.util.UserError;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * Reads the forward graph of a frozen TorchScript module (weights are constants there) into a
 * {@link ModelGraph}, copying the weights into Java-owned tensors. Anything outside the supported
 * vocabulary is a {@link UserError} naming the op, where it is and what was being done with it, before
 * anything is computed or written.
 */
public final class ModelGraphReader {

    /** The ops this reader understands: the one list of edgetorch's supported vocabulary. */
    public static final List<String> SUPPORTED = List.of(
            "aten::conv2d", "aten::_convolution (2-D, not transposed)", "aten::batch_norm", "aten::linear",
            "aten::add(_)", "aten::mul(_)", "aten::relu(_)", "aten::relu6", "aten::hardtanh(_)", "aten::clamp(_)",
            "aten::hardswish(_)", "aten::hardsigmoid(_)", "aten::sigmoid(_)", "aten::silu(_)",
            "aten::adaptive_avg_pool2d", "aten::avg_pool2d", "aten::max_pool2d", "aten::mean (over H and W)",
            "aten::flatten", "aten::view / reshape (batch kept)", "aten::transpose / permute (batch kept)",
            "aten::cat", "aten::chunk / split / split_with_sizes / narrow / slice (step 1)",
            "aten::dropout(_) / feature_dropout (eval)", "aten::contiguous",
            "aten::size / Int / NumToTensor / floor_divide (shape arithmetic)");

    /** Stands for the batch size in shape arithmetic: the one size not known when reading. */
    private static final long BATCH = Long.MIN_VALUE;

    private static final Set<String> DROPOUTS = Set.of("aten::dropout", "aten::dropout_", "aten::feature_dropout",
            "aten::feature_dropout_", "aten::alpha_dropout", "aten::alpha_dropout_", "aten::feature_alpha_dropout",
            "aten::feature_alpha_dropout_");

    private final ModelGraph out = new ModelGraph();
    private final Map<Long, Integer> ids = new HashMap<>();
    /** Ints computed from shapes (aten::size and arithmetic on it), by JIT value; {@link #BATCH} for the batch size. */
    private final Map<Long, Long> ints = new HashMap<>();
    /** Tensor lists made by chunk/split, by JIT value: the graph values of their parts. */
    private final Map<Long, int[]> lists = new HashMap<>();
    /** In-place ops: {mutated value, how many uses of it the op itself accounts for}. */
    private final List<int[]> inPlace = new ArrayList<>();
    private final List<String> inPlaceWhere = new ArrayList<>();
    private final Map<Integer, long[]> shapes = new HashMap<>();
    private final long[] inputShape;
    private final String action;
    private int shaped;
    private String where;

    private ModelGraphReader(long[] inputShape, String action) {
        this.inputShape = inputShape.clone();
        this.action = action;
    }

    /**
     * Reads a frozen forward graph for inputs of {@code inputShape} (NCHW; shape arithmetic such as a channel
     * shuffle's {@code view} is resolved for it, the batch size staying free); {@code action} ("quantize",
     * "export to ONNX") words the errors, e.g. "cannot " + action + ": unsupported operation aten::sort at op #3 ...".
     */
    public static ModelGraph read(Graph g, long[] inputShape, String action) {
        if (inputShape.length != 4) throw new UserError("cannot " + action + ": the model input must be [N, C, H, W], not "
                + java.util.Arrays.toString(inputShape));
        return new ModelGraphReader(inputShape, action).run(g);
    }

    private ModelGraph run(Graph g) {
        if (g.inputs().size() != 2) {
            throw new UserError("forward must take exactly one tensor (besides self); it takes " + (g.inputs().size() - 1) + " inputs");
        }
        if (g.outputs().size() != 1) {
            throw new UserError("forward must return exactly one tensor; it returns " + g.outputs().size() + " values");
        }
        ids.put(g.inputs().get(1).unique(), ModelGraph.INPUT);
        shapes.put(ModelGraph.INPUT, inputShape.clone());
        JitNode ret = g.return_node();
        int index = 0;
        for (JitNode n = g.param_node().next(); n.address() != ret.address(); n = n.next()) {
            String kind = n.kind().toQualString().getString();
            if (kind.equals("prim::Constant") || kind.equals("prim::ListConstruct")) continue;
            index++;
            where = describe(n, index, kind);
            if (kind.equals("prim::ListUnpack")) {
                unpack(n);
                continue;
            }
            if (n.outputs().size() != 1) throw unsupported(kind, "it has " + n.outputs().size() + " outputs");
            if (!readShapeArithmetic(n, kind)) read(n, kind);
        }
        Value result = g.outputs().get(0);
        Integer id = ids.get(result.unique());
        if (id == null || id == ModelGraph.INPUT) {
            throw new UserError("forward must return a tensor computed from its input (it returns %" + result.debugName().getString() + ")");
        }
        out.output = id;
        Map<Integer, Integer> uses = out.useCounts();
        for (int i = 0; i < inPlace.size(); i++) {
            int mutated = inPlace.get(i)[0];
            if (uses.getOrDefault(mutated, 0) > inPlace.get(i)[1] || mutated == ModelGraph.INPUT) {
                throw new UserError("unsupported: the in-place op at " + inPlaceWhere.get(i)
                        + " overwrites a tensor that is also used elsewhere");
            }
        }
        return out;
    }

    private void read(JitNode n, String kind) {
        switch (kind) {
            case "aten::_convolution" -> {
                if (bool(n.input(6))) throw unsupported(kind, "transposed convolution");
                conv(n, n.input(3), n.input(4), n.input(5), n.input(8));
            }
            case "aten::conv2d" -> conv(n, n.input(3), n.input(4), n.input(5), n.input(6));
            case "aten::batch_norm" -> {
                if (bool(n.input(5))) throw unsupported(kind, "training mode");
                Node b = node(OpKind.BATCH_NORM, n, activation(n.input(0)));
                b.weight = optionalTensor(n.input(1));
                b.bias = optionalTensor(n.input(2));
                b.mean = tensor(n.input(3), "running_mean");
                b.var = tensor(n.input(4), "running_var");
                b.eps = number(n.input(7));
            }
            case "aten::linear" -> {
                Node l = node(OpKind.LINEAR, n, activation(n.input(0)));
                l.weight = tensor(n.input(1), "weight");
                l.bias = optionalTensor(n.input(2));
                if (l.weight.dim() != 2) throw unsupported(kind, "weight of dimension " + l.weight.dim());
            }
            case "aten::add", "aten::add_" -> {
                if (n.inputs().size() != 3 || !isTensorValue(n.input(1))) throw unsupported(kind, "adding a constant");
                if (number(n.input(2)) != 1.0) throw unsupported(kind, "alpha != 1");
                Node a = node(OpKind.ADD, n, activation(n.input(0)), activation(n.input(1)));
                if (kind.endsWith("_")) markInPlace(a.inputs[0]);
            }
            case "aten::mul", "aten::mul_" -> {
                if (n.inputs().size() != 2 || !isTensorValue(n.input(0)) || !isTensorValue(n.input(1))) {
                    throw unsupported(kind, "multiplying by a constant");
                }
                Node m = node(OpKind.MUL, n, activation(n.input(0)), activation(n.input(1)));
                if (kind.endsWith("_")) markInPlace(m.inputs[0]);
            }
            case "aten::hardswish", "aten::hardswish_" -> unary(n, kind, OpKind.HARDSWISH);
            case "aten::hardsigmoid", "aten::hardsigmoid_" -> unary(n, kind, OpKind.HARDSIGMOID);
            case "aten::sigmoid", "aten::sigmoid_" -> unary(n, kind, OpKind.SIGMOID);
            case "aten::silu", "aten::silu_" -> {
                // silu(x) = x * sigmoid(x): every runtime has both, with INT8 kernels; few have SiLU itself
                int x = activation(n.input(0));
                Node gate = add(OpKind.SIGMOID, null, x);
                node(OpKind.MUL, n, x, gate.output);
                if (kind.endsWith("_")) markInPlace(x, 2);
            }
            case "aten::mean" -> {
                int x = activation(n.input(0));
                long[] xs = shape(x);
                long[] dims = ints(n.input(1), 1);
                boolean spatial = xs.length == 4 && dims.length == 2
                        && java.util.Set.of(2, 3).equals(java.util.Set.of(dim(dims[0], 4), dim(dims[1], 4)));
                if (!spatial) throw unsupported(kind, "a mean over dims " + java.util.Arrays.toString(dims) + " of a "
                        + xs.length + "-D tensor (only over H and W of NCHW)");
                if (n.inputs().size() > 3 && !isNone(n.input(3))) throw unsupported(kind, "a dtype");
                if (bool(n.input(2))) {
                    node(OpKind.ADAPTIVE_AVG_POOL, n, x).outputSize = new long[]{1, 1};
                } else {
                    add(OpKind.ADAPTIVE_AVG_POOL, null, x).outputSize = new long[]{1, 1};
                    Node f = node(OpKind.FLATTEN, n, out.nodes.get(out.nodes.size() - 1).output);
                    f.startDim = 1;
                    f.endDim = 3;
                }
            }
            case "aten::cat", "aten::concat" -> {
                JitNode list = n.input(0).node();
                if (!list.kind().toQualString().getString().equals("prim::ListConstruct")) {
                    throw unsupported(kind, "a tensor list not built in the graph");
                }
                int[] parts = new int[(int) list.inputs().size()];
                for (int i = 0; i < parts.length; i++) parts[i] = activation(list.input(i));
                long axis = dim(integer(n.input(1)), shape(parts[0]).length);
                if (parts.length == 1) {
                    node(OpKind.IDENTITY, n, parts[0]);
                } else {
                    node(OpKind.CAT, n, parts).axis = axis;
                }
            }
            case "aten::chunk", "aten::unsafe_chunk" -> {
                int x = activation(n.input(0));
                long[] xs = shape(x);
                int axis = dim(integer(n.input(2)), xs.length);
                long chunks = integer(n.input(1));
                if (chunks < 1) throw unsupported(kind, chunks + " chunks");
                long size = Math.floorDiv(xs[axis] + chunks - 1, chunks);
                List<Long> sizes = new ArrayList<>();
                for (long start = 0; start < xs[axis]; start += size) sizes.add(Math.min(size, xs[axis] - start));
                split(n, x, axis, sizes);
            }
            case "aten::split", "aten::unsafe_split", "aten::split_with_sizes", "aten::unsafe_split_with_sizes" -> {
                int x = activation(n.input(0));
                long[] xs = shape(x);
                int axis = dim(integer(n.input(2)), xs.length);
                List<Long> sizes = new ArrayList<>();
                if (isConstant(n.input(1)) && constant(n.input(1)).isInt()) {
                    long size = constant(n.input(1)).toInt();
                    if (size < 1) throw unsupported(kind, "split size " + size);
                    for (long start = 0; start < xs[axis]; start += size) sizes.add(Math.min(size, xs[axis] - start));
                } else {
                    long sum = 0;
                    for (long v : ints(n.input(1), 0)) {
                        sizes.add(v);
                        sum += v;
                    }
                    if (sum != xs[axis]) throw unsupported(kind, "sizes adding up to " + sum + " for a dim of size " + xs[axis]);
                }
                split(n, x, axis, sizes);
            }
            case "aten::narrow" -> {
                int x = activation(n.input(0));
                long[] xs = shape(x);
                int axis = dim(integer(n.input(1)), xs.length);
                long start = integer(n.input(2));
                if (start < 0) start += xs[axis];
                slice(n, x, axis, start, start + integer(n.input(3)));
            }
            case "aten::slice" -> {
                int x = activation(n.input(0));
                long[] xs = shape(x);
                int axis = dim(integer(n.input(1)), xs.length);
                if (integer(n.input(4)) != 1) throw unsupported(kind, "a step other than 1");
                long start = isNone(n.input(2)) ? 0 : integer(n.input(2));
                long end = isNone(n.input(3)) ? xs[axis] : integer(n.input(3));
                if (start < 0) start += xs[axis];
                if (end < 0) end += xs[axis];
                start = Math.max(0, Math.min(start, xs[axis]));
                end = Math.max(start, Math.min(end, xs[axis]));
                if (start == 0 && end == xs[axis]) {
                    node(OpKind.IDENTITY, n, x);
                } else {
                    slice(n, x, axis, start, end);
                }
            }
            case "aten::view", "aten::reshape" -> reshape(n, kind);
            case "aten::transpose" -> {
                int x = activation(n.input(0));
                int rank = shape(x).length;
                int a = dim(integer(n.input(1)), rank), b = dim(integer(n.input(2)), rank);
                long[] perm = new long[rank];
                for (int d = 0; d < rank; d++) perm[d] = d;
                perm[a] = b;
                perm[b] = a;
                permute(n, kind, x, perm);
            }
            case "aten::permute" -> {
                int x = activation(n.input(0));
                int rank = shape(x).length;
                long[] perm = ints(n.input(1), 0);
                for (int d = 0; d < perm.length; d++) perm[d] = dim(perm[d], rank);
                long[] sorted = perm.clone();
                java.util.Arrays.sort(sorted);
                for (int d = 0; d < sorted.length; d++) {
                    if (sorted[d] != d || sorted.length != rank) throw unsupported(kind, "not a permutation of " + rank + " dims");
                }
                permute(n, kind, x, perm);
            }
            case "aten::relu", "aten::relu_" -> clamp(n, kind, 0, Double.POSITIVE_INFINITY);
            case "aten::relu6", "aten::relu6_" -> clamp(n, kind, 0, 6);
            case "aten::hardtanh", "aten::hardtanh_" -> clamp(n, kind, number(n.input(1)), number(n.input(2)));
            case "aten::clamp", "aten::clamp_" -> {
                if (isTensorValue(n.input(1)) || isTensorValue(n.input(2)) || isConstantTensor(n.input(1)) || isConstantTensor(n.input(2))) {
                    throw unsupported(kind, "tensor bounds");
                }
                double lo = isNone(n.input(1)) ? Double.NEGATIVE_INFINITY : number(n.input(1));
                double hi = isNone(n.input(2)) ? Double.POSITIVE_INFINITY : number(n.input(2));
                clamp(n, kind, lo, hi);
            }
            case "aten::adaptive_avg_pool2d" -> {
                Node p = node(OpKind.ADAPTIVE_AVG_POOL, n, activation(n.input(0)));
                p.outputSize = ints(n.input(1), 2);
            }
            case "aten::max_pool2d" -> {
                Node p = node(OpKind.MAX_POOL, n, activation(n.input(0)));
                p.kernel = ints(n.input(1), 2);
                long[] s = ints(n.input(2), 2);
                p.stride = s.length == 0 ? p.kernel : s;
                p.padding = ints(n.input(3), 2);
                p.dilation = ints(n.input(4), 2);
                p.ceilMode = bool(n.input(5));
            }
            case "aten::avg_pool2d" -> {
                Node p = node(OpKind.AVG_POOL, n, activation(n.input(0)));
                p.kernel = ints(n.input(1), 2);
                long[] s = ints(n.input(2), 2);
                p.stride = s.length == 0 ? p.kernel : s;
                p.padding = ints(n.input(3), 2);
                p.ceilMode = bool(n.input(4));
                p.countIncludePad = bool(n.input(5));
                p.divisorOverride = isNone(n.input(6)) ? null : integer(n.input(6));
            }
            case "aten::flatten" -> {
                Node f = node(OpKind.FLATTEN, n, activation(n.input(0)));
                f.startDim = integer(n.input(1));
                f.endDim = integer(n.input(2));
            }
            case "aten::contiguous" -> node(OpKind.IDENTITY, n, activation(n.input(0)));
            default -> {
                if (DROPOUTS.contains(kind)) {
                    if (bool(n.input(2))) throw unsupported(kind, "training mode");
                    node(OpKind.IDENTITY, n, activation(n.input(0)));
                } else {
                    throw unsupported(kind, null);
                }
            }
        }
    }

    private void conv(JitNode n, Value stride, Value padding, Value dilation, Value groups) {
        String kind = n.kind().toQualString().getString();
        if (!isConstant(padding) || constant(padding).isString()) throw unsupported(kind, "string padding ('same'/'valid')");
        Node c = node(OpKind.CONV, n, activation(n.input(0)));
        c.weight = tensor(n.input(1), "weight");
        if (c.weight.dim() != 4) throw unsupported(kind, "a " + (c.weight.dim() - 2) + "-D convolution (only 2-D is supported)");
        c.bias = optionalTensor(n.input(2));
        c.stride = ints(stride, 2);
        c.padding = ints(padding, 2);
        c.dilation = ints(dilation, 2);
        c.groups = integer(groups);
    }

    private void clamp(JitNode n, String kind, double lo, double hi) {
        if (lo > hi) throw unsupported(kind, "min " + lo + " > max " + hi);
        Node c = node(OpKind.CLAMP, n, activation(n.input(0)));
        c.min = lo;
        c.max = hi;
        if (kind.endsWith("_")) markInPlace(c.inputs[0]);
    }

    private void unary(JitNode n, String kind, OpKind op) {
        Node u = node(op, n, activation(n.input(0)));
        if (kind.endsWith("_")) markInPlace(u.inputs[0]);
    }

    /** chunk / split: one SLICE per part, held as the list value that a prim::ListUnpack takes apart. */
    private void split(JitNode n, int x, int axis, List<Long> sizes) {
        int[] parts = new int[sizes.size()];
        long start = 0;
        for (int i = 0; i < parts.length; i++) {
            Node s = add(OpKind.SLICE, null, x);
            s.axis = axis;
            s.sliceStart = start;
            s.sliceEnd = start + sizes.get(i);
            start = s.sliceEnd;
            parts[i] = s.output;
        }
        lists.put(n.output().unique(), parts);
    }

    private void slice(JitNode n, int x, int axis, long start, long end) {
        if (axis == 0) throw unsupported(n.kind().toQualString().getString(), "slicing the batch dimension");
        Node s = node(OpKind.SLICE, n, x);
        s.axis = axis;
        s.sliceStart = start;
        s.sliceEnd = end;
        shape(s.output);
    }

    private void unpack(JitNode n) {
        int[] parts = lists.get(n.input(0).unique());
        if (parts == null) throw unsupported("prim::ListUnpack", "a list not made by chunk or split");
        if (parts.length != n.outputs().size()) {
            throw unsupported("prim::ListUnpack", "unpacks " + n.outputs().size() + " tensors from a list of " + parts.length);
        }
        for (int i = 0; i < parts.length; i++) ids.put(n.output(i).unique(), parts[i]);
    }

    /** view / reshape: the first target dim must be the batch (size(x, 0), or -1 with the rest static). */
    private void reshape(JitNode n, String kind) {
        int x = activation(n.input(0));
        long[] xs = shape(x);
        long[] target = ints(n.input(1), 0);
        if (target.length == 0) throw unsupported(kind, "a reshape to a scalar");
        boolean batchFirst = target[0] == BATCH;
        long[] rest = java.util.Arrays.copyOfRange(target, 1, target.length);
        long known = 1, free = -1;
        for (int d = 0; d < rest.length; d++) {
            if (rest[d] == BATCH) throw unsupported(kind, "the batch size moved off dim 0");
            if (rest[d] == -1) {
                if (free >= 0) throw unsupported(kind, "two -1 dims");
                free = d;
            } else if (rest[d] < 1) {
                throw unsupported(kind, "target dim " + rest[d]);
            } else {
                known *= rest[d];
            }
        }
        if (!batchFirst && target[0] != -1) {
            throw unsupported(kind, "a reshape that does not keep the batch dimension first (its target starts with "
                    + target[0] + ", not x.size(0))");
        }
        if (!batchFirst && free >= 0) throw unsupported(kind, "a batch of -1 with another -1 dim");
        long total = 1;
        for (int d = 1; d < xs.length; d++) total *= xs[d];
        if (free >= 0) {
            if (total % known != 0) throw unsupported(kind, "reshaping " + java.util.Arrays.toString(xs) + " into "
                    + java.util.Arrays.toString(target));
            rest[(int) free] = total / known;
        }
        node(OpKind.RESHAPE, n, x).shape = rest;
        shape(ids.get(n.output().unique()));
    }

    private void permute(JitNode n, String kind, int x, long[] perm) {
        if (perm.length == 0 || perm[0] != 0) throw unsupported(kind, "moving the batch dimension");
        boolean identity = true;
        for (int d = 0; d < perm.length; d++) identity &= perm[d] == d;
        if (identity) {
            node(OpKind.IDENTITY, n, x);
        } else {
            node(OpKind.PERMUTE, n, x).perm = perm;
        }
    }

    /**
     * Shape arithmetic (aten::size and ints computed from it, as a channel shuffle traces): evaluated here for
     * the input shape, with the batch size kept symbolic; it adds no node. Returns false for tensor ops.
     */
    private boolean readShapeArithmetic(JitNode n, String kind) {
        switch (kind) {
            case "aten::size" -> {
                if (n.inputs().size() != 2) throw unsupported(kind, "the whole size list");
                int x = activation(n.input(0));
                long[] xs = shape(x);
                int d = dim(integer(n.input(1)), xs.length);
                ints.put(n.output().unique(), d == 0 ? BATCH : xs[d]);
                return true;
            }
            case "prim::NumToTensor", "aten::Int", "aten::IntImplicit", "aten::ScalarImplicit" -> {
                if (!ints.containsKey(n.input(0).unique())) return false;
                ints.put(n.output().unique(), ints.get(n.input(0).unique()));
                return true;
            }
            case "aten::floor_divide", "aten::floordiv", "aten::div", "aten::mul", "aten::add", "aten::sub" -> {
                if (!ints.containsKey(n.input(0).unique()) && !ints.containsKey(n.input(1).unique())) return false;
                long a = intOperand(n.input(0)), b = intOperand(n.input(1));
                if (a == BATCH || b == BATCH) throw unsupported(kind, "arithmetic on the batch size");
                if (kind.equals("aten::add") && n.inputs().size() > 2 && number(n.input(2)) != 1) throw unsupported(kind, "alpha != 1");
                long r = switch (kind) {
                    case "aten::mul" -> a * b;
                    case "aten::add" -> a + b;
                    case "aten::sub" -> a - b;
                    default -> {
                        if (b == 0) throw unsupported(kind, "division by zero");
                        if (kind.equals("aten::div") && a % b != 0) throw unsupported(kind, "a size divided into a fraction");
                        yield Math.floorDiv(a, b);
                    }
                };
                ints.put(n.output().unique(), r);
                return true;
            }
            default -> {
                return false;
            }
        }
    }

    /** An int operand of shape arithmetic: a computed size, an int constant or a one-element integer tensor constant. */
    private long intOperand(Value v) {
        Long computed = ints.get(v.unique());
        if (computed != null) return computed;
        IValue c = constant(v);
        if (c.isInt()) return c.toInt();
        if (c.isTensor()) {
            Tensor t = new Tensor(c.toTensor());
            if (t.numel() == 1 && !t.is_floating_point()) return t.item_long();
        }
        throw new UserError("cannot " + action + ": expected an integer as operand of " + where + ", got " + c.tagKind().getString());
    }

    private void markInPlace(int value) {
        markInPlace(value, 1);
    }

    /** An in-place op overwrites {@code value}, which its own reading uses {@code ownUses} times. */
    private void markInPlace(int value, int ownUses) {
        inPlace.add(new int[]{value, ownUses});
        inPlaceWhere.add(where);
    }

    /** A node standing for JIT node {@code n}'s output. */
    private Node node(OpKind kind, JitNode n, int... inputs) {
        Node node = add(kind, n, inputs);
        ids.put(n.output().unique(), node.output);
        return node;
    }

    /** A node; {@code n} (for its name) may be null for the inner nodes of a lowered op. */
    private Node add(OpKind kind, JitNode n, int... inputs) {
        int id = out.newValue();
        Node node = new Node(kind, inputs, id, where, n == null ? kind.name().toLowerCase() + "_" + id : attributeBase(n, kind, id));
        out.nodes.add(node);
        return node;
    }

    /** The shape of a value for the input shape read for (nodes are shaped in order, on demand). */
    private long[] shape(int value) {
        while (!shapes.containsKey(value) && shaped < out.nodes.size()) {
            Node n = out.nodes.get(shaped++);
            shapes.put(n.output, GraphShapes.output(n, shapes, inputShape, action));
        }
        long[] s = shapes.get(value);
        if (s == null) throw new IllegalStateException("internal: no shape for value " + value + " at " + where);
        return s;
    }

    private static int dim(long d, int rank) {
        return GraphShapes.dim(d, rank);
    }

    /** A readable name for emitted attributes: the weight's name in the frozen graph, e.g. features_3_conv_0. */
    private static String attributeBase(JitNode n, OpKind kind, int id) {
        if ((kind == OpKind.CONV || kind == OpKind.LINEAR || kind == OpKind.BATCH_NORM) && n.inputs().size() > 1) {
            String w = n.input(1).debugName().getString();
            if (w.startsWith("self.")) w = w.substring(5);
            if (w.endsWith(".weight")) w = w.substring(0, w.length() - 7);
            String s = w.replaceAll("[^A-Za-z0-9_]", "_");
            if (!s.isEmpty() && !Character.isDigit(s.charAt(0))) return s;
        }
        return kind.name().toLowerCase() + "_" + id;
    }

    private static String describe(JitNode n, int index, String kind) {
        StringBuilder s = new StringBuilder("op #").append(index).append(" (").append(kind);
        if (n.outputs().size() > 0) s.append(" -> %").append(n.output(0).debugName().getString());
        String src = source(n);
        if (src != null) s.append(", from ").append(src);
        return s.append(')').toString();
    }

    /** The traced source location of a node, when the graph recorded one (file:line). */
    private static String source(JitNode n) {
        try (org.bytedeco.javacpp.PointerScope scope = new org.bytedeco.javacpp.PointerScope()) {
            var sr = n.sourceRange();
            if (sr == null || sr.isNull() || sr.source() == null || sr.source().isNull()) return null;
            var fn = sr.source().filename();
            if (fn == null || !fn.has_value()) return null;
            String file = fn.get().getString();
            long line = sr.source().lineno_for_offset(sr.start()) + sr.source().starting_line_no();
            return file + ":" + line;
        } catch (RuntimeException e) {
            return null;
        }
    }

    private UserError unsupported(String kind, String detail) {
        return new UserError("cannot " + action + ": unsupported operation " + kind + (detail == null ? "" : " (" + detail + ")")
                + " at " + where + " of forward; supported: " + String.join(", ", SUPPORTED));
    }

    // ---- operand access ----

    private int activation(Value v) {
        Integer id = ids.get(v.unique());
        if (id == null) {
            throw new UserError("cannot " + action + ": " + where + " takes %" + v.debugName().getString()
                    + ", which is not a tensor computed from the input (constant operands are supported only as weights)");
        }
        return id;
    }

    private boolean isTensorValue(Value v) {
        return ids.containsKey(v.unique());
    }

    private static boolean isConstant(Value v) {
        return v.node().kind().toQualString().getString().equals("prim::Constant");
    }

    private boolean isConstantTensor(Value v) {
        return isConstant(v) && constant(v).isTensor();
    }

    private IValue constant(Value v) {
        IValue c = JitIr.constant(v);
        if (c == null) {
            throw new UserError("cannot " + action + ": an operand of " + where + " (%" + v.debugName().getString()
                    + ") is not a constant; it needs a frozen model whose weights and options are constants");
        }
        return c;
    }

    private boolean isNone(Value v) {
        return isConstant(v) && constant(v).isNone();
    }

    /** A constant float tensor, copied into Java-owned memory. */
    private FloatTensor tensor(Value v, String what) {
        IValue c = constant(v);
        if (!c.isTensor()) throw new UserError("cannot " + action + ": the " + what + " of " + where + " is not a tensor constant");
        // toTensor() is a reference into the IValue; hold our own handle (shares the storage)
        Tensor t = new Tensor(c.toTensor());
        if (t.scalar_type().value != torch.ScalarType.Float.value) {
            throw new UserError("cannot " + action + ": the " + what + " of " + where + " is not float32");
        }
        return Tensors.fromTorch(t);
    }

    private FloatTensor optionalTensor(Value v) {
        return isNone(v) ? null : tensor(v, "parameter");
    }

    private double number(Value v) {
        IValue c = constant(v);
        if (c.isDouble()) return c.toDouble();
        if (c.isInt()) return c.toInt();
        if (c.isBool()) return c.toBool() ? 1 : 0;
        throw new UserError("cannot " + action + ": expected a number as operand of " + where + ", got " + c.tagKind().getString());
    }

    private long integer(Value v) {
        Long computed = ints.get(v.unique());
        if (computed != null) return computed;
        IValue c = constant(v);
        if (c.isInt()) return c.toInt();
        throw new UserError("cannot " + action + ": expected an int as operand of " + where + ", got " + c.tagKind().getString());
    }

    private boolean bool(Value v) {
        IValue c = constant(v);
        if (c.isBool()) return c.toBool();
        throw new UserError("cannot " + action + ": expected a bool as operand of " + where + ", got " + c.tagKind().getString());
    }

    /** An int list given as a constant or as a list of constants; a single int is repeated {@code n} times. */
    private long[] ints(Value v, int n) {
        if (v.node().kind().toQualString().getString().equals("prim::ListConstruct")) {
            long[] r = new long[(int) v.node().inputs().size()];
            for (int i = 0; i < r.length; i++) r[i] = integer(v.node().input(i));
            return r;
        }
        IValue c = constant(v);
        if (c.isInt()) {
            long[] r = new long[n];
            java.util.Arrays.fill(r, c.toInt());
            return r;
        }
        if (c.isIntList()) return c.toIntVector().get();
        throw new UserError("cannot " + action + ": expected an int list as operand of " + where + ", got " + c.tagKind().getString());
    }
}
