package org.edgetorch.mobile;

import org.edgetorch.jit.JitIr;
import org.bytedeco.pytorch.Graph;
import org.bytedeco.pytorch.JitModule;
import org.bytedeco.pytorch.MethodOptional;
import org.bytedeco.pytorch.Value;
import org.bytedeco.pytorch.global.torch;
import org.edgetorch.util.UserError;

/**
 * The one signature a mobile export keeps: {@code forward(self, x: Tensor) -> Tensor}. Everything
 * downstream (verification, the benchmark, the app side) feeds one image tensor and reads one logits
 * tensor, so anything else is refused before any pass runs.
 */
final class ForwardSignature {
    static final String EXPECTED = "forward(self, x: Tensor) -> Tensor";

    private ForwardSignature() {
    }

    static void check(JitModule module, String source) {
        MethodOptional m = module.find_method("forward");
        if (!m.has_value()) throw new UserError(source + ": the module has no forward method; expected " + EXPECTED);
        Graph g = m.get().graph();
        long nIn = g.inputs().size();
        long nOut = g.outputs().size();
        boolean ok = nIn == 2 && isTensor(g.inputs().get(1)) && nOut == 1 && isTensor(g.outputs().get(0));
        if (!ok) {
            throw new UserError(source + ": forward must be " + EXPECTED + "; this module's is "
                    + describe(g) + ". Export a wrapper whose forward takes one tensor and returns one tensor.");
        }
    }

    private static boolean isTensor(Value v) {
        return v.type().get().kind().value == torch.TypeKind.TensorType.value;
    }

    /** {@code forward(self, x: Tensor, n: int) -> (Tensor, Tensor)} in LibTorch's own type names. */
    private static String describe(Graph g) {
        String header = JitIr.header(g); // graph(%self.1 : __torch__.M, %x.1 : Tensor, %n : int)
        String args = header.startsWith("graph(") ? header.substring(6, header.length() - 1) : header;
        StringBuilder sb = new StringBuilder("forward(");
        String[] parts = args.split(",(?![^\\[(]*[\\])])");
        for (int i = 0; i < parts.length; i++) {
            String p = parts[i].trim().replaceFirst("^%", "").replaceFirst("\\.\\d+ :", " :");
            if (i == 0) p = "self";
            else p = p.replace(" : ", ": ");
            sb.append(i == 0 ? "" : ", ").append(p);
        }
        sb.append(") -> ");
        long nOut = g.outputs().size();
        if (nOut == 1) {
            sb.append(typeName(g.outputs().get(0)));
        } else {
            sb.append("(");
            for (long i = 0; i < nOut; i++) sb.append(i == 0 ? "" : ", ").append(typeName(g.outputs().get(i)));
            sb.append(")");
        }
        return sb.toString();
    }

    private static String typeName(Value v) {
        torch.TypeKind k = v.type().get().kind();
        for (torch.TypeKind t : torch.TypeKind.values()) {
            if (t.value == k.value) return t.name().replaceFirst("Type$", "");
        }
        return "?";
    }
}
