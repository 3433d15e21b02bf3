package org.edgetorch.quant;

import org.edgetorch.jit.JitIr;
import org.bytedeco.pytorch.Graph;
import org.bytedeco.pytorch.IValue;
import org.bytedeco.pytorch.IValueOptional;
import org.bytedeco.pytorch.JitModule;
import org.bytedeco.pytorch.JitNode;
import org.bytedeco.pytorch.Tensor;
import org.bytedeco.pytorch.Value;
import org.bytedeco.pytorch.global.torch;

import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;

/**
 * Dynamic quantization in place on a frozen module: each {@code aten::linear} with constant float
 * weights becomes {@code quantized::linear_dynamic} on int8 weights prepacked under the current engine
 * (held as a module attribute); everything else stays as it was, in float.
 */
final class DynamicRewriter {
    private DynamicRewriter() {
    }

    /** Returns the number of linear layers rewritten. */
    static int rewrite(JitModule frozen, boolean perChannel, boolean reduceRange) {
        Graph g = frozen.get_method("forward").graph();
        List<JitNode> linears = new ArrayList<>();
        JitNode ret = g.return_node();
        for (JitNode n = g.param_node().next(); n.address() != ret.address(); n = n.next()) {
            if (n.kind().toQualString().getString().equals("aten::linear")) linears.add(n);
        }
        Value self = g.inputs().get(0);
        Set<String> used = new HashSet<>();
        int done = 0;
        for (JitNode n : linears) {
            Tensor w = constantTensor(n.input(1));
            Value biasValue = n.input(2);
            boolean biasNone = biasValue.mustBeNone();
            Tensor bias = biasNone ? null : constantTensor(biasValue);
            if (w == null || w.dim() != 2 || w.scalar_type().value != torch.ScalarType.Float.value || (!biasNone && bias == null)) continue;
            String where = "aten::linear -> %" + n.output().debugName().getString();
            Tensor qw = perChannel ? WeightQuantizer.perChannel(w) : WeightQuantizer.perTensor(w);
            PackedWeights.Packed p = PackedWeights.linear(qw, bias, where);
            String name = attributeName(n.input(1).debugName().getString(), used);
            frozen.register_attribute(name, p.type(), p.value(), false, false);
            g.setInsertPoint(n);
            Value packed = g.insertGetAttr(self, name);
            Value y = JitIr.op(g, "quantized::linear_dynamic", n.input(0), packed, JitIr.b(g, reduceRange));
            n.output().replaceAllUsesWith(y);
            Value wv = n.input(1);
            n.destroy();
            // drop the float weights, or they would still be saved as constants
            if (!wv.hasUses()) wv.node().destroy();
            if (!biasNone && !biasValue.hasUses()) biasValue.node().destroy();
            done++;
        }
        g.setInsertPoint(ret);
        g.lint();
        return done;
    }

    private static Tensor constantTensor(Value v) {
        if (!v.node().kind().toQualString().getString().equals("prim::Constant")) return null;
        IValueOptional c = torch.toIValue(v);
        if (c == null || !c.has_value()) return null;
        IValue iv = new IValue(c.get());
        // our own handles: get() and toTensor() are references into objects the GC may free
        return iv.isTensor() ? new Tensor(iv.toTensor()) : null;
    }

    private static String attributeName(String weightName, Set<String> used) {
        String w = weightName.startsWith("self.") ? weightName.substring(5) : weightName;
        if (w.endsWith(".weight")) w = w.substring(0, w.length() - 7);
        String base = "packed_" + w.replaceAll("[^A-Za-z0-9_]", "_");
        String s = base;
        for (int k = 2; !used.add(s); k++) s = base + "_" + k;
        return s;
    }
}
