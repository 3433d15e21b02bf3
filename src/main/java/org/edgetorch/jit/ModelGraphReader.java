package org.edgetorch.jit;

import org.bytedeco.pytorch.Graph;
import org.bytedeco.pytorch.IValue;
import org.bytedeco.pytorch.JitNode;
import org.bytedeco.pytorch.Tensor;
import org.bytedeco.pytorch.Value;
import org.bytedeco.pytorch.global.torch;
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
            "aten::add(_)", "aten::relu(_)", "aten::relu6", "aten::hardtanh(_)", "aten::clamp(_)",
            "aten::adaptive_avg_pool2d", "aten::avg_pool2d", "aten::max_pool2d", "aten::flatten",
            "aten::dropout(_) / feature_dropout (eval)", "aten::contiguous");

    private static final Set<String> DROPOUTS = Set.of("aten::dropout", "aten::dropout_", "aten::feature_dropout",
            "aten::feature_dropout_", "aten::alpha_dropout", "aten::alpha_dropout_", "aten::feature_alpha_dropout",
            "aten::feature_alpha_dropout_");

    private final ModelGraph out = new ModelGraph();
    private final Map<Long, Integer> ids = new HashMap<>();
    private final List<int[]> inPlace = new ArrayList<>();
    private final List<String> inPlaceWhere = new ArrayList<>();
    private final String action;
    private String where;

    private ModelGraphReader(String action) {
        this.action = action;
    }

    /**
     * Reads a frozen forward graph; {@code action} ("quantize", "export to ONNX") words the errors, e.g.
     * "cannot " + action + ": unsupported operation aten::sigmoid at op #3 ...".
     */
    public static ModelGraph read(Graph g, String action) {
        return new ModelGraphReader(action).run(g);
    }

    private ModelGraph run(Graph g) {
        if (g.inputs().size() != 2) {
            throw new UserError("forward must take exactly one tensor (besides self); it takes " + (g.inputs().size() - 1) + " inputs");
        }
        if (g.outputs().size() != 1) {
            throw new UserError("forward must return exactly one tensor; it returns " + g.outputs().size() + " values");
        }
        ids.put(g.inputs().get(1).unique(), ModelGraph.INPUT);
        JitNode ret = g.return_node();
        int index = 0;
        for (JitNode n = g.param_node().next(); n.address() != ret.address(); n = n.next()) {
            String kind = n.kind().toQualString().getString();
            if (kind.equals("prim::Constant") || kind.equals("prim::ListConstruct")) continue;
            index++;
            where = describe(n, index, kind);
            if (n.outputs().size() != 1) throw unsupported(kind, "it has " + n.outputs().size() + " outputs");
            read(n, kind);
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
            if (uses.getOrDefault(mutated, 0) > 1 || mutated == ModelGraph.INPUT) {
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

    private void markInPlace(int value) {
        inPlace.add(new int[]{value});
        inPlaceWhere.add(where);
    }

    private Node node(OpKind kind, JitNode n, int... inputs) {
        int id = out.newValue();
        ids.put(n.output().unique(), id);
        Node node = new Node(kind, inputs, id, where, attributeBase(n, kind, id));
        out.nodes.add(node);
        return node;
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
