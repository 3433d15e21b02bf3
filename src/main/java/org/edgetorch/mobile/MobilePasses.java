package org.edgetorch.mobile;

import org.edgetorch.jit.JitIr;
import org.bytedeco.pytorch.Graph;
import org.bytedeco.pytorch.IValue;
import org.bytedeco.pytorch.IValueVector;
import org.bytedeco.pytorch.JitNode;
import org.bytedeco.pytorch.Symbol;
import org.bytedeco.pytorch.Tensor;
import org.bytedeco.pytorch.Value;
import org.bytedeco.pytorch.ValueVector;
import org.bytedeco.pytorch.global.torch;
import org.edgetorch.util.UserError;

import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;

/**
 * The graph passes of {@code optimize}, run on the forward graph of a frozen module (freezing has
 * already inlined every submodule, turned parameters into constants, removed dropout where it could
 * and folded BatchNorm into the preceding convolution). What PyTorch's {@code optimize_for_mobile}
 * adds on top, rebuilt here over the mapped IR classes:
 * <ol>
 *   <li>{@link #normalizeConvolutions}: traced graphs from PyTorch record {@code aten::_convolution};
 *       the 2-D, non-transposed ones become {@code aten::conv2d}.</li>
 *   <li>{@link #removeTrainingOnlyOps}: dropout of every flavour goes; BatchNorm in training mode is an
 *       error (its statistics would come from the batch at run time).</li>
 *   <li>{@link #rewriteForXnnpack}: FP32 {@code conv2d}/{@code linear} with constant weights become
 *       {@code prepacked::*_clamp_run} on a context packed now, with a directly following ReLU /
 *       ReLU6 (hardtanh 0..6) / clamp fused as the clamp bounds.</li>
 *   <li>{@link #fuseAddRelu}: an add whose only user is a ReLU becomes {@code aten::_add_relu}.</li>
 *   <li>{@link #hoistPrepacking}: any {@code *_prepack} call left in forward with constant inputs
 *       (XNNPACK or quantized engines) is run once now and replaced by its packed result.</li>
 * </ol>
 * Packed objects become graph constants, the form frozen modules keep them in; both archive formats
 * serialize them through their {@code __getstate__} (weights, bias, conv parameters, clamp bounds)
 * and re-pack them on load.
 */
final class MobilePasses {
    private static final Set<String> DROPOUT = Set.of(
            "aten::dropout", "aten::dropout_", "aten::feature_dropout", "aten::feature_dropout_",
            "aten::alpha_dropout", "aten::alpha_dropout_", "aten::feature_alpha_dropout", "aten::feature_alpha_dropout_");
    private static final Set<String> CONV_FOLLOWERS = Set.of(
            "aten::relu", "aten::relu_", "aten::relu6", "aten::relu6_", "aten::hardtanh", "aten::hardtanh_",
            "aten::clamp", "aten::clamp_");

    private final Graph g;
    private final Counts counts;
    private final List<String> notes;
    /** Nodes destroyed while a pass walks its snapshot of the graph; their handles must not be touched. */
    private final Set<Long> destroyed = new HashSet<>();

    /** Mutable tallies the passes fill in; {@link RewriteCounts} is the immutable view. */
    static final class Counts {
        int convolutionsNormalized;
        int dropoutRemoved;
        int batchNormBeforeFreeze;
        int batchNormAfter;
        int conv2dToXnnpack;
        int linearToXnnpack;
        int reluFused;
        int relu6Fused;
        int clampFused;
        int addReluFused;
        int prepackHoisted;
        int packedConstants;
        int deadNodesRemoved;

        RewriteCounts freeze() {
            return new RewriteCounts(convolutionsNormalized, dropoutRemoved,
                    Math.max(0, batchNormBeforeFreeze - batchNormAfter), batchNormAfter,
                    conv2dToXnnpack, linearToXnnpack, reluFused, relu6Fused, clampFused,
                    addReluFused, prepackHoisted, packedConstants, deadNodesRemoved);
        }
    }

    MobilePasses(Graph g, Counts counts, List<String> notes) {
        this.g = g;
        this.counts = counts;
        this.notes = notes;
    }

    static int countKind(Graph g, String kind) {
        int n = 0;
        for (JitNode node : JitIr.nodes(g)) if (JitIr.kind(node).equals(kind)) n++;
        return n;
    }

    /** {@code aten::_convolution} (what {@code torch.jit.trace} records) → {@code aten::conv2d}. */
    void normalizeConvolutions() {
        for (JitNode n : JitIr.nodes(g)) {
            if (!JitIr.kind(n).equals("aten::_convolution")) continue;
            List<Value> in = JitIr.inputs(n);
            Tensor w = JitIr.tensor(in.get(1));
            Boolean transposed = JitIr.bool(in.get(6));
            if (w == null || w.dim() != 4 || transposed == null || transposed) continue;
            g.setInsertPoint(n);
            JitNode conv = g.create(Symbol.fromQualString("aten::conv2d"),
                    new ValueVector(in.get(0), in.get(1), in.get(2), in.get(3), in.get(4), in.get(5), in.get(8)), 1);
            conv.copyMetadata(n);
            g.insertNode(conv);
            conv.output().setType(n.output().type());
            n.output().replaceAllUsesWith(conv.output());
            n.destroy();
            counts.convolutionsNormalized++;
        }
    }

    void removeTrainingOnlyOps() {
        for (JitNode n : JitIr.nodes(g)) {
            String k = JitIr.kind(n);
            if (DROPOUT.contains(k)) {
                Boolean train = JitIr.bool(n.inputs().get(2));
                if (train == null || train) {
                    notes.add(k + " with train=" + (train == null ? "<computed>" : "True")
                            + " removed (a mobile model runs inference; was it exported in training mode?)");
                }
                n.output().replaceAllUsesWith(n.inputs().get(0));
                n.destroy();
                counts.dropoutRemoved++;
            } else if (k.equals("aten::batch_norm")) {
                Boolean training = JitIr.bool(n.inputs().get(5));
                if (training == null || training) {
                    throw new UserError("the model has a BatchNorm in training mode (aten::batch_norm with training="
                            + (training == null ? "<computed>" : "True")
                            + "): its statistics would come from each input batch. Export the model in eval mode.");
                }
            }
        }
    }

    void rewriteForXnnpack() {
        for (JitNode n : JitIr.nodes(g)) {
            if (destroyed.contains(n.address())) continue; // a fused clamp of an earlier rewrite
            String k = JitIr.kind(n);
            if (k.equals("aten::conv2d")) rewriteConv(n);
            else if (k.equals("aten::linear")) rewriteLinear(n);
        }
    }

    private void rewriteConv(JitNode conv) {
        List<Value> in = JitIr.inputs(conv);
        Tensor w = JitIr.tensor(in.get(1));
        if (w == null || w.dim() != 4 || !isFloat(w)) {
            notes.add("aten::conv2d kept: weight is not a constant 4-D float tensor");
            return;
        }
        IValue bias = biasOf(in.get(2));
        IValue stride = JitIr.constant(in.get(3)), padding = JitIr.constant(in.get(4)), dilation = JitIr.constant(in.get(5));
        IValue groups = JitIr.constant(in.get(6));
        if (bias == null || !isIntList(stride) || !isIntList(padding) || !isIntList(dilation) || groups == null || !groups.isInt()) {
            notes.add("aten::conv2d kept: bias, stride, padding, dilation or groups not constant (or padding given as a string)");
            return;
        }
        Fusion f = fusibleClamp(conv);
        List<IValue> args = List.of(JitIr.constant(in.get(1)), bias, stride, padding, dilation, groups, f.minValue(), f.maxValue());
        replaceWithPrepacked(conv, f, "prepacked::conv2d_clamp_prepack", "prepacked::conv2d_clamp_run", args, in.get(0));
        counts.conv2dToXnnpack++;
    }

    private void rewriteLinear(JitNode linear) {
        List<Value> in = JitIr.inputs(linear);
        Tensor w = JitIr.tensor(in.get(1));
        if (w == null || w.dim() != 2 || !isFloat(w)) {
            notes.add("aten::linear kept: weight is not a constant 2-D float tensor");
            return;
        }
        IValue bias = biasOf(in.get(2));
        if (bias == null) {
            notes.add("aten::linear kept: bias is computed at run time");
            return;
        }
        Fusion f = fusibleClamp(linear);
        List<IValue> args = List.of(JitIr.constant(in.get(1)), bias, f.minValue(), f.maxValue());
        replaceWithPrepacked(linear, f, "prepacked::linear_clamp_prepack", "prepacked::linear_clamp_run", args, in.get(0));
        counts.linearToXnnpack++;
    }

    /** A clamp that may be folded into the op before it, with its bounds (null = unbounded). */
    private record Fusion(JitNode node, Double min, Double max, String kind) {
        IValue minValue() {
            return min == null ? new IValue() : new IValue(min.doubleValue());
        }

        IValue maxValue() {
            return max == null ? new IValue() : new IValue(max.doubleValue());
        }
    }

    private static final Fusion NONE = new Fusion(null, null, null, null);

    /** The op's only user, when it is a ReLU / ReLU6 / hardtanh / clamp with constant bounds. */
    private Fusion fusibleClamp(JitNode op) {
        List<JitNode> users = JitIr.users(g, op.output());
        if (users.size() != 1) return NONE;
        JitNode u = users.get(0);
        String k = JitIr.kind(u);
        if (!CONV_FOLLOWERS.contains(k) || u.inputs().get(0).address() != op.output().address()) return NONE;
        String base = k.endsWith("_") ? k.substring(0, k.length() - 1) : k;
        switch (base) {
            case "aten::relu":
                return new Fusion(u, 0.0, null, "relu");
            case "aten::relu6":
                return new Fusion(u, 0.0, 6.0, "relu6");
            case "aten::hardtanh": {
                Double lo = JitIr.number(u.inputs().get(1)), hi = JitIr.number(u.inputs().get(2));
                if (lo == null || hi == null || !(lo < hi)) return NONE;
                return new Fusion(u, lo, hi, lo == 0.0 && hi == 6.0 ? "relu6" : "clamp");
            }
            case "aten::clamp": {
                if (u.inputs().size() != 3) return NONE;
                Value lo = u.inputs().get(1), hi = u.inputs().get(2);
                Double l = JitIr.isNone(lo) ? null : JitIr.number(lo), h = JitIr.isNone(hi) ? null : JitIr.number(hi);
                if ((l == null && !JitIr.isNone(lo)) || (h == null && !JitIr.isNone(hi))) return NONE;
                if (l != null && h != null && !(l < h)) return NONE;
                return new Fusion(u, l, h, "clamp");
            }
            default:
                return NONE;
        }
    }

    private void replaceWithPrepacked(JitNode op, Fusion f, String prepackOp, String runOp, List<IValue> args, Value input) {
        IValue context = Ops.call(prepackOp, args);
        g.setInsertPoint(op);
        Value ctx = g.insertConstant(context);
        JitNode run = g.create(Symbol.fromQualString(runOp), new ValueVector(input, ctx), 1);
        run.copyMetadata(op);
        g.insertNode(run);
        run.output().setType(op.output().type()); // the replaced op's own type (see JitIr on TypePtrs)
        if (f.node() != null) {
            f.node().output().replaceAllUsesWith(run.output());
            destroyed.add(f.node().address());
            f.node().destroy();
            switch (f.kind()) {
                case "relu" -> counts.reluFused++;
                case "relu6" -> counts.relu6Fused++;
                default -> counts.clampFused++;
            }
        }
        op.output().replaceAllUsesWith(run.output());
        op.destroy();
    }

    /**
     * {@code aten::add} of two tensors whose only user is a ReLU → {@code aten::_add_relu}, one pass
     * over memory instead of two (PyTorch's FUSE_ADD_RELU; ResNet's residual joins).
     */
    void fuseAddRelu() {
        for (JitNode n : JitIr.nodes(g)) {
            if (destroyed.contains(n.address()) || !JitIr.kind(n).equals("aten::add") || n.inputs().size() != 3) continue;
            if (n.inputs().get(1).type().get().kind().value != torch.TypeKind.TensorType.value) continue;
            List<JitNode> users = JitIr.users(g, n.output());
            if (users.size() != 1) continue;
            JitNode relu = users.get(0);
            String k = JitIr.kind(relu);
            if (!(k.equals("aten::relu") || k.equals("aten::relu_")) || relu.inputs().get(0).address() != n.output().address()) continue;
            g.setInsertPoint(n);
            JitNode fused = g.create(Symbol.fromQualString("aten::_add_relu"),
                    new ValueVector(n.inputs().get(0), n.inputs().get(1), n.inputs().get(2)), 1);
            fused.copyMetadata(n);
            g.insertNode(fused);
            fused.output().setType(n.output().type());
            relu.output().replaceAllUsesWith(fused.output());
            destroyed.add(relu.address());
            relu.destroy();
            n.destroy();
            counts.addReluFused++;
        }
    }

    /**
     * Runs every {@code *_prepack} call whose inputs are all constants once, now, and puts its packed
     * result in the graph as a constant: forward then only runs the kernels. Quantized prepacking packs
     * for the engine selected when this runs (the caller sets it).
     */
    void hoistPrepacking() {
        for (JitNode n : JitIr.nodes(g)) {
            String k = JitIr.kind(n);
            boolean prepack = (k.startsWith("prepacked::") || k.startsWith("quantized::")) && k.endsWith("_prepack");
            if (!prepack || n.outputs().size() != 1) continue;
            List<IValue> args = new ArrayList<>();
            for (Value v : JitIr.inputs(n)) {
                IValue c = JitIr.constant(v);
                if (c == null) {
                    args = null;
                    break;
                }
                args.add(c);
            }
            if (args == null) {
                notes.add(k + " left in forward: an input is computed at run time");
                continue;
            }
            IValueVector stack = new IValueVector(args.toArray(new IValue[0]));
            n.getOperation().apply(stack);
            if (stack.size() != 1) throw new IllegalStateException(k + " returned " + stack.size() + " values");
            g.setInsertPoint(n);
            Value packed = g.insertConstant(stack.get(0));
            n.output().replaceAllUsesWith(packed);
            n.destroy();
            counts.prepackHoisted++;
        }
    }

    /** Dead constants, lists and attribute reads left by the rewrites; then LibTorch's own checks. */
    void cleanup() {
        counts.deadNodesRemoved += JitIr.removeDeadPureNodes(g);
        g.lint();
        counts.packedConstants = JitIr.objectConstants(g).values().stream().mapToInt(Integer::intValue).sum();
    }

    /** A bias argument as an IValue (None stays None), or null when it is computed at run time. */
    private static IValue biasOf(Value v) {
        IValue c = JitIr.constant(v);
        if (c == null) return null;
        if (c.isNone()) return c;
        return c.isTensor() && isFloat(c.toTensor()) ? c : null;
    }

    private static boolean isIntList(IValue v) {
        return v != null && v.isIntList();
    }

    private static boolean isFloat(Tensor t) {
        return t.scalar_type().value == torch.ScalarType.Float.value && !t.is_quantized();
    }
}
