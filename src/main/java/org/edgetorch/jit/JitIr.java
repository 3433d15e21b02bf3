package org.edgetorch.jit;

import org.bytedeco.pytorch.CompilationUnit;
import org.bytedeco.pytorch.GenericList;
import org.bytedeco.pytorch.Graph;
import org.bytedeco.pytorch.IValue;
import org.bytedeco.pytorch.IValueOptional;
import org.bytedeco.pytorch.IntType;
import org.bytedeco.pytorch.JitModule;
import org.bytedeco.pytorch.JitNode;
import org.bytedeco.pytorch.QualifiedName;
import org.bytedeco.pytorch.SingletonTypePtr;
import org.bytedeco.pytorch.Symbol;
import org.bytedeco.pytorch.Tensor;
import org.bytedeco.pytorch.Type;
import org.bytedeco.pytorch.Value;
import org.bytedeco.pytorch.ValueArrayRef;
import org.bytedeco.pytorch.ValueVector;
import org.bytedeco.pytorch.global.torch;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/**
 * The one set of helpers over LibTorch's JIT IR as the presets map it, for reading graphs (the model-graph
 * reader, the mobile passes) and writing them (the INT8 emitter, the mobile passes). Native-memory rules,
 * the same everywhere:
 * <ul>
 *   <li><b>Own what you keep.</b> The presets return some values by reference into their owner
 *   ({@code IValueOptional.get()}, {@code IValue.toTensor()}); the garbage collector may free the owner
 *   at any time, so these helpers hand out owned copies ({@code new IValue(..)}, {@code new Tensor(..)}).</li>
 *   <li><b>Build no TypePtr for Tensor.</b> A new node's outputs are typed Tensor already; wrapping
 *   {@code TensorType.get()} in a {@code Type.TypePtr} from Java makes a second owner of LibTorch's
 *   singleton. The one TypePtr built here is the int type ({@link #intType()}), through
 *   {@code SingletonTypePtr}: {@code new TypePtr(IntType.getIntTypePtr())} would pick JavaCPP's pointer
 *   <em>cast</em> constructor and read a 16-byte object out of an 8-byte one.</li>
 *   <li><b>Destroy only unused nodes.</b> The presets give no use lists with a size and no dead-code pass:
 *   uses are counted by scanning the graph (a few hundred nodes), and {@code Node::destroy} on a used
 *   value is an INTERNAL ASSERT that terminates the JVM.</li>
 * </ul>
 */
public final class JitIr {
    private JitIr() {
    }

    /** The nodes of the graph's top-level block, in order, as a snapshot safe to mutate around. */
    public static List<JitNode> nodes(Graph g) {
        List<JitNode> out = new ArrayList<>();
        long end = g.return_node().address();
        for (JitNode n = g.nodes().front(); n.address() != end; n = n.next()) out.add(n);
        return out;
    }

    public static String kind(JitNode n) {
        return n.kind().toQualString().getString();
    }

    public static List<Value> inputs(JitNode n) {
        ValueArrayRef in = n.inputs();
        List<Value> out = new ArrayList<>((int) in.size());
        for (long i = 0; i < in.size(); i++) out.add(in.get(i));
        return out;
    }

    /** Every node (including the return node) that reads {@code v}, once per input slot. */
    public static List<JitNode> users(Graph g, Value v) {
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
    public static IValue constant(Value v) {
        IValueOptional o = torch.toIValue(v);
        // an owned copy: get() is a reference into the optional, which the GC may free at any time
        if (o.has_value()) return new IValue(o.get());
        JitNode n = v.node();
        if (kind(n).equals("prim::ListConstruct")) {
            GenericList list = new GenericList(intType());
            for (Value in : inputs(n)) {
                IValue c = constant(in);
                if (c == null || !c.isInt()) return null;
                list.push_back(new IValue(c.toInt()));
            }
            return new IValue(list);
        }
        return null;
    }

    public static boolean isConstant(Value v) {
        return constant(v) != null;
    }

    /** A constant float/int scalar as a double, or null. */
    public static Double number(Value v) {
        IValue c = constant(v);
        if (c == null) return null;
        if (c.isDouble()) return c.toDouble();
        if (c.isInt()) return (double) c.toInt();
        return null;
    }

    /** A constant bool, or null. */
    public static Boolean bool(Value v) {
        IValue c = constant(v);
        return c != null && c.isBool() ? c.toBool() : null;
    }

    /** A constant tensor (an owned handle sharing its storage), or null. */
    public static Tensor tensor(Value v) {
        IValue c = constant(v);
        // toTensor() is a reference into the IValue: hold our own handle
        return c != null && c.isTensor() ? new Tensor(c.toTensor()) : null;
    }

    public static boolean isNone(Value v) {
        IValue c = constant(v);
        return c != null && c.isNone();
    }

    /**
     * Removes nodes whose results nobody reads, but only of kinds that are pure by construction
     * (constants, list construction, attribute reads): without alias analysis an unused in-place op
     * may still matter.
     */
    public static int removeDeadPureNodes(Graph g) {
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
    public static Map<String, Integer> opCounts(Graph g) {
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
    public static Map<String, Integer> objectConstants(Graph g) {
        Map<String, Integer> out = new TreeMap<>();
        for (JitNode n : nodes(g)) {
            if (!kind(n).equals("prim::Constant")) continue;
            IValue c = constant(n.output());
            if (c != null && c.isObject()) out.merge(className(c), 1, Integer::sum);
        }
        return out;
    }

    /** {@code __torch__.torch.classes.xnnpack.Conv2dOpContext} for an object IValue. */
    public static String className(IValue object) {
        var name = object.toObject().type().name();
        return name.has_value() ? name.get().qualifiedName().getString() : "<anonymous class>";
    }

    /** The signature line of a graph as LibTorch prints it: {@code graph(%self : T, %x : Tensor)}. */
    public static String header(Graph g) {
        String s = g.toString();
        int end = s.indexOf("):");
        String h = end < 0 ? s.lines().findFirst().orElse("") : s.substring(0, end + 1);
        return h.replaceAll("\\s+", " ");
    }

    /** A module of a new class with an identity {@code forward(self, x: Tensor) -> Tensor}, to be rewritten. */
    public static JitModule newModule(String qualifiedName) {
        JitModule m = new JitModule(new QualifiedName(qualifiedName), new CompilationUnit(), true);
        return m;
    }

    public static void defineIdentityForward(JitModule m) {
        m.define("def forward(self, x: Tensor) -> Tensor:\n    return x\n");
    }

    public static Value f(Graph g, double v) {
        return g.insertConstant(new IValue(v));
    }

    public static Value i(Graph g, long v) {
        return g.insertConstant(new IValue(v));
    }

    public static Value b(Graph g, boolean v) {
        return g.insertConstant(new IValue(v));
    }

    public static Value none(Graph g) {
        return g.insertNode(g.createNone()).output();
    }

    public static Value dtype(Graph g, torch.ScalarType t) {
        return g.insertConstant(new IValue(t));
    }

    /** An int[] constant (a GenericList of ints: {@code new IValue(LongArrayRef)} would be a pointer cast). */
    public static Value ints(Graph g, long... v) {
        return g.insertConstant(intList(v));
    }

    public static IValue intList(long... v) {
        GenericList l = new GenericList(intType());
        for (long x : v) l.push_back(new IValue(x));
        return new IValue(l);
    }

    /**
     * The int type as a {@code TypePtr}. Not {@code new TypePtr(IntType.getIntTypePtr())}: IntTypePtr is
     * not a SingletonTypePtr in Java, so that call picks the Pointer *cast* constructor and reads a
     * 16-byte SingletonOrSharedTypePtr out of an 8-byte pointer (heap corruption when it is freed).
     */
    public static Type.TypePtr intType() {
        return new Type.TypePtr(new SingletonTypePtr(IntType.getIntTypePtr().get()));
    }

    /**
     * Inserts {@code kind(inputs...)} with one output. A new output is typed Tensor already, and no
     * TypePtr is built for it (see the class comment).
     */
    public static Value op(Graph g, String kind, Value... inputs) {
        JitNode n = g.create(Symbol.fromQualString(kind), new ValueVector(inputs), 1);
        g.insertNode(n);
        return n.output();
    }
}
