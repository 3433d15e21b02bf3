package org.edgetorch.mobile;

import org.bytedeco.pytorch.GenericList;
import org.bytedeco.pytorch.Graph;
import org.bytedeco.pytorch.IValue;
import org.bytedeco.pytorch.IValueOptional;
import org.bytedeco.pytorch.IntType;
import org.bytedeco.pytorch.JitNode;
import org.bytedeco.pytorch.Type;
import org.bytedeco.pytorch.Value;
import org.bytedeco.pytorch.ValueArrayRef;
import org.bytedeco.pytorch.global.torch;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/**
 * Small helpers over LibTorch's IR as the presets map it. The presets give no use lists with a size
 * and no dead-code pass, so uses are counted by scanning the graph (graphs here have a few hundred
 * nodes) and nodes are destroyed only when nothing uses them: {@code Node::destroy} on a used value is
 * an INTERNAL ASSERT that terminates the JVM.
 */
final class Ir {
    private Ir() {
    }

    /** The nodes of the graph's top-level block, in order, as a snapshot safe to mutate around. */
    static List<JitNode> nodes(Graph g) {
        List<JitNode> out = new ArrayList<>();
        long end = g.return_node().address();
        for (JitNode n = g.nodes().front(); n.address() != end; n = n.next()) out.add(n);
        return out;
    }

    static String kind(JitNode n) {
        return n.kind().toQualString().getString();
    }

    static List<Value> inputs(JitNode n) {
        ValueArrayRef in = n.inputs();
        List<Value> out = new ArrayList<>((int) in.size());
        for (long i = 0; i < in.size(); i++) out.add(in.get(i));
        return out;
    }

    /** Every node (including the return node) that reads {@code v}, once per input slot. */
    static List<JitNode> users(Graph g, Value v) {
        List<JitNode> out = new ArrayList<>();
        long addr = v.address();
        List<JitNode> all = nodes(g);
        all.add(g.return_node());
        for (JitNode n : all) {
            ValueArrayRef in = n.inputs();
            for (long i = 0; i < in.size(); i++) {
                if (in.get(i).address() == addr) out.add(n);
            }
        }
        return out;
    }

    /**
     * The constant a value is known to hold at export time: a {@code prim::Constant}, or a
     * {@code prim::ListConstruct} of int constants (what an IR-built graph has for stride/padding).
     * Null when it is computed at run time.
     */
    static IValue constant(Value v) {
        IValueOptional o = torch.toIValue(v);
        if (o.has_value()) return o.get();
        JitNode n = v.node();
        if (kind(n).equals("prim::ListConstruct")) {
            // .get(): TypePtr(Type*) makes a proper singleton pointer; TypePtr(IntTypePtr) would be
            // JavaCPP's cast constructor (a different C++ object reinterpreted) and crashes later.
            GenericList list = new GenericList(new Type.TypePtr(IntType.getIntTypePtr().get()));
            for (Value in : inputs(n)) {
                IValue c = constant(in);
                if (c == null || !c.isInt()) return null;
                list.push_back(new IValue(c.toInt()));
            }
            return new IValue(list);
        }
        return null;
    }

    static boolean isConstant(Value v) {
        return constant(v) != null;
    }

    /** A constant float/int scalar as a double, or null. */
    static Double number(Value v) {
        IValue c = constant(v);
        if (c == null) return null;
        if (c.isDouble()) return c.toDouble();
        if (c.isInt()) return (double) c.toInt();
        return null;
    }

    /** A constant bool, or null. */
    static Boolean bool(Value v) {
        IValue c = constant(v);
        return c != null && c.isBool() ? c.toBool() : null;
    }

    /** A constant tensor, or null. */
    static org.bytedeco.pytorch.Tensor tensor(Value v) {
        IValue c = constant(v);
        return c != null && c.isTensor() ? c.toTensor() : null;
    }

    static boolean isNone(Value v) {
        IValue c = constant(v);
        return c != null && c.isNone();
    }

    /**
     * Removes nodes whose results nobody reads, but only of kinds that are pure by construction
     * (constants, list construction, attribute reads): without alias analysis an unused in-place op
     * may still matter.
     */
    static int removeDeadPureNodes(Graph g) {
        int removed = 0;
        boolean changed = true;
        while (changed) {
            changed = false;
            List<JitNode> all = nodes(g);
            for (int i = all.size() - 1; i >= 0; i--) {
                JitNode n = all.get(i);
                String k = kind(n);
                boolean pure = k.equals("prim::Constant") || k.equals("prim::ListConstruct") || k.equals("prim::GetAttr");
                if (pure && !n.hasUses()) {
                    n.destroy();
                    removed++;
                    changed = true;
                }
            }
        }
        return removed;
    }

    /** Node kinds and how often each occurs, sorted by name (constants left out). */
    static Map<String, Integer> opCounts(Graph g) {
        Map<String, Integer> out = new TreeMap<>();
        for (JitNode n : nodes(g)) {
            String k = kind(n);
            if (!k.equals("prim::Constant")) out.merge(k, 1, Integer::sum);
        }
        return out;
    }

    /**
     * Custom-class objects the graph holds as constants (packed weights: XNNPACK op contexts,
     * quantized packed params), counted by class name.
     */
    static Map<String, Integer> objectConstants(Graph g) {
        Map<String, Integer> out = new TreeMap<>();
        for (JitNode n : nodes(g)) {
            if (!kind(n).equals("prim::Constant")) continue;
            IValue c = constant(n.output());
            if (c != null && c.isObject()) out.merge(className(c), 1, Integer::sum);
        }
        return out;
    }

    /** {@code __torch__.torch.classes.xnnpack.Conv2dOpContext} for an object IValue. */
    static String className(IValue object) {
        var name = object.toObject().type().name();
        return name.has_value() ? name.get().qualifiedName().getString() : "<anonymous class>";
    }

    /** The signature line of a graph as LibTorch prints it: {@code graph(%self : T, %x : Tensor)}. */
    static String header(Graph g) {
        String s = g.toString();
        int end = s.indexOf("):");
        String h = end < 0 ? s.lines().findFirst().orElse("") : s.substring(0, end + 1);
        return h.replaceAll("\\s+", " ");
    }
}
