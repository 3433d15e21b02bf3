package org.edgetorch.graph;

import org.edgetorch.tensor.FloatTensor;
import org.edgetorch.util.UserError;

import java.util.Iterator;
import java.util.Map;

/** Rewrites of a {@link ModelGraph} before quantization or export: what PyTorch's fusion passes do, in Java. */
public final class GraphPasses {
    private GraphPasses() {
    }

    /** Dropout in eval mode and contiguous() compute nothing: their consumers read their input instead. */
    public static void removeIdentities(ModelGraph g) {
        for (Iterator<Node> it = g.nodes.iterator(); it.hasNext(); ) {
            Node n = it.next();
            if (n.kind == OpKind.IDENTITY) {
                it.remove();
                g.replaceUses(n.output, n.inputs[0]);
            }
        }
    }

    /**
     * Folds each BatchNorm into the convolution (or linear layer) that feeds it and nothing else:
     * {@code w' = w * g / sqrt(var + eps)} per output channel, {@code b' = (b - mean) * g / sqrt(var + eps) + beta},
     * computed in double precision. A BatchNorm with no such producer is an error naming it and the
     * {@code action} that needed the fold.
     */
    public static void foldBatchNorm(ModelGraph g, String action) {
        Map<Integer, Integer> uses = g.useCounts();
        for (Iterator<Node> it = g.nodes.iterator(); it.hasNext(); ) {
            Node bn = it.next();
            if (bn.kind != OpKind.BATCH_NORM) continue;
            Node p = g.producer(bn.inputs[0]);
            if (p == null || (p.kind != OpKind.CONV && p.kind != OpKind.LINEAR) || uses.get(p.output) != 1) {
                throw new UserError("cannot " + action + ": the batch_norm at " + bn.where
                        + " does not directly follow a convolution or linear layer whose output it alone uses, so it cannot be folded");
            }
            int channels = (int) p.weight.size(0);
            if (bn.mean.numel() != channels) {
                throw new UserError("cannot " + action + ": the batch_norm at " + bn.where + " has " + bn.mean.numel()
                        + " channels but the layer before it has " + channels);
            }
            float[] w = p.weight.data();
            int per = w.length / channels;
            float[] folded = new float[w.length];
            float[] bias = new float[channels];
            for (int c = 0; c < channels; c++) {
                double factor = 1.0 / Math.sqrt((double) bn.var.data()[c] + bn.eps);
                if (bn.weight != null) factor *= bn.weight.data()[c];
                for (int i = c * per; i < (c + 1) * per; i++) folded[i] = (float) (w[i] * factor);
                double b = p.bias == null ? 0 : p.bias.data()[c];
                b = (b - bn.mean.data()[c]) * factor;
                if (bn.bias != null) b += bn.bias.data()[c];
                bias[c] = (float) b;
            }
            p.weight = new FloatTensor(p.weight.shape(), folded);
            p.bias = new FloatTensor(new long[]{channels}, bias);
            it.remove();
            g.replaceUses(bn.output, p.output);
            uses = g.useCounts();
        }
    }

    /**
     * Fuses a clamp (ReLU, ReLU6, hardtanh, clamp) into the convolution, linear layer or addition before
     * it when that op's output feeds nothing else and the clamp's interval contains 0 (a quantized
     * range always contains 0, so the lower bound is a ReLU and the upper one a saturation).
     */
    public static void fuseActivations(ModelGraph g) {
        Map<Integer, Integer> uses = g.useCounts();
        for (Iterator<Node> it = g.nodes.iterator(); it.hasNext(); ) {
            Node c = it.next();
            if (c.kind != OpKind.CLAMP) continue;
            if (c.min == Double.NEGATIVE_INFINITY && c.max == Double.POSITIVE_INFINITY) {
                it.remove();
                g.replaceUses(c.output, c.inputs[0]);
                uses = g.useCounts();
                continue;
            }
            Node p = g.producer(c.inputs[0]);
            if (p == null || !p.kind.takesFusedActivation() || p.fused != null || uses.get(p.output) != 1) continue;
            if (c.min > 0 || c.max < 0) continue;
            p.fused = new Activation(c.min, c.max);
            it.remove();
            g.replaceUses(c.output, p.output);
            uses = g.useCounts();
        }
    }

    /** All passes, in order; {@code action} ("quantize", "export to ONNX") words the error of a BatchNorm that cannot fold. */
    public static void prepare(ModelGraph g, String action) {
        removeIdentities(g);
        foldBatchNorm(g, action);
        fuseActivations(g);
    }
}
