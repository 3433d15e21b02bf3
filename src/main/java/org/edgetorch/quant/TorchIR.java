package org.edgetorch.quant;

import org.bytedeco.pytorch.CompilationUnit;
import org.bytedeco.pytorch.GenericList;
import org.bytedeco.pytorch.Graph;
import org.bytedeco.pytorch.IValue;
import org.bytedeco.pytorch.IntType;
import org.bytedeco.pytorch.JitModule;
import org.bytedeco.pytorch.JitNode;
import org.bytedeco.pytorch.QualifiedName;
import org.bytedeco.pytorch.SingletonTypePtr;
import org.bytedeco.pytorch.Symbol;
import org.bytedeco.pytorch.TensorType;
import org.bytedeco.pytorch.Type;
import org.bytedeco.pytorch.Value;
import org.bytedeco.pytorch.ValueVector;
import org.bytedeco.pytorch.global.torch;

/**
 * Small helpers for writing TorchScript IR through the presets. Nodes are inserted at the graph's
 * current insert point; {@code Graph.create} infers no output types, so every op output is typed
 * Tensor here.
 */
final class TorchIR {
    private TorchIR() {
    }

    /** A module of a new class with an identity {@code forward(self, x: Tensor) -> Tensor}, to be rewritten. */
    static JitModule newModule(String qualifiedName) {
        JitModule m = new JitModule(new QualifiedName(qualifiedName), new CompilationUnit(), true);
        return m;
    }

    static void defineIdentityForward(JitModule m) {
        m.define("def forward(self, x: Tensor) -> Tensor:\n    return x\n");
    }

    static Value f(Graph g, double v) {
        return g.insertConstant(new IValue(v));
    }

    static Value i(Graph g, long v) {
        return g.insertConstant(new IValue(v));
    }

    static Value b(Graph g, boolean v) {
        return g.insertConstant(new IValue(v));
    }

    static Value none(Graph g) {
        return g.insertNode(g.createNone()).output();
    }

    static Value dtype(Graph g, torch.ScalarType t) {
        return g.insertConstant(new IValue(t));
    }

    /** An int[] constant (a GenericList of ints: {@code new IValue(LongArrayRef)} would be a pointer cast). */
    static Value ints(Graph g, long... v) {
        return g.insertConstant(intList(v));
    }

    static IValue intList(long... v) {
        GenericList l = new GenericList(intType());
        for (long x : v) l.push_back(new IValue(x));
        return new IValue(l);
    }

    /**
     * The int type as a {@code TypePtr}. Not {@code new TypePtr(IntType.getIntTypePtr())}: IntTypePtr is
     * not a SingletonTypePtr in Java, so that call picks the Pointer *cast* constructor and reads a
     * 16-byte SingletonOrSharedTypePtr out of an 8-byte pointer (heap corruption when it is freed).
     */
    static Type.TypePtr intType() {
        return new Type.TypePtr(new SingletonTypePtr(IntType.getIntTypePtr().get()));
    }

    /** Inserts {@code kind(inputs...)} with one Tensor output. */
    static Value op(Graph g, String kind, Value... inputs) {
        JitNode n = g.create(Symbol.fromQualString(kind), new ValueVector(inputs), 1);
        g.insertNode(n);
        n.output().setType(new Type.TypePtr(TensorType.get()));
        return n.output();
    }
}
