package org.edgetorch.jit;

import org.bytedeco.javacpp.PointerScope;
import org.bytedeco.pytorch.CompilationUnit;
import org.bytedeco.pytorch.Graph;
import org.bytedeco.pytorch.JitModule;
import org.bytedeco.pytorch.JitNode;
import org.bytedeco.pytorch.QualifiedName;
import org.bytedeco.pytorch.Tensor;
import org.bytedeco.pytorch.Value;
import org.edgetorch.nn.Architecture;
import org.edgetorch.nn.TensorSpec;
import org.edgetorch.nn.TorchvisionModel;
import org.edgetorch.tensor.FloatTensor;
import org.edgetorch.tensor.Tensors;

import java.util.HashMap;
import java.util.Map;

/**
 * Traces a Java model into a TorchScript module: a module tree that holds the parameters and buffers under
 * torchvision's names (so {@code state_dict()} in PyTorch gives torchvision's keys), and a
 * {@code forward(self, x: Tensor) -> Tensor} whose graph is what one run of the model executed.
 */
public final class Tracer {
    private Tracer() {
    }

    /** The traced module and how many operations its graph records. */
    public record Traced(JitModule module, int recordedOps) {
    }

    public static Traced trace(TorchvisionModel model, FloatTensor example) {
        TorchvisionModel.checkInput(example);
        Architecture arch = model.architecture();
        CompilationUnit cu = new CompilationUnit();
        String ns = "__torch__.edgetorch." + arch.name();
        JitModule root = new JitModule(new QualifiedName(ns + ".Model"), cu, true);
        Map<String, JitModule> modules = new HashMap<>();
        modules.put("", root);
        for (TensorSpec s : arch.stateDictSpec()) {
            int dot = s.name().lastIndexOf('.');
            JitModule owner = module(modules, cu, ns, dot < 0 ? "" : s.name().substring(0, dot));
            String attr = s.name().substring(dot + 1);
            Tensor t = model.weights().get(s.name());
            if (s.kind() == TensorSpec.Kind.PARAMETER) owner.register_parameter(attr, t, false);
            else owner.register_buffer(attr, t);
        }
        root.define("def forward(self, x: Tensor) -> Tensor:\n    return x\n");
        Graph g = root.get_method("forward").graph();
        JitNode ret = g.return_node();
        g.setInsertPoint(ret);
        Value self = g.inputs().get(0);
        TracingOps ops = new TracingOps(model.weights(), g, self);
        try (PointerScope scope = new PointerScope()) {
            Tensor x = Tensors.toTorch(example);
            ops.bindInput(x, g.inputs().get(1));
            Tensor out = arch.forward(ops, x);
            ret.replaceInput(0, ops.valueOf(out, "the model's output"));
        }
        g.lint();
        root.eval();
        return new Traced(root, ops.recordedOps());
    }

    /** The submodule at a dotted path, created (with its parents) on first use. */
    private static JitModule module(Map<String, JitModule> modules, CompilationUnit cu, String ns, String path) {
        JitModule m = modules.get(path);
        if (m != null) return m;
        int dot = path.lastIndexOf('.');
        JitModule parent = module(modules, cu, ns, dot < 0 ? "" : path.substring(0, dot));
        // one class per submodule path: names must be identifiers, torchvision's indices are not
        m = new JitModule(new QualifiedName(ns + ".m_" + path.replace('.', '_')), cu, true);
        parent.register_module(path.substring(dot + 1), m);
        modules.put(path, m);
        return m;
    }
}
