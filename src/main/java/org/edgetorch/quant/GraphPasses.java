package org.edgetorch.quant;

import org.bytedeco.pytorch.Tensor;
import org.bytedeco.pytorch.global.torch;
import org.edgetorch.quant.OpGraph.Activation;
import org.edgetorch.quant.OpGraph.Kind;
import org.edgetorch.quant.OpGraph.Node;
import org.edgetorch.util.UserError;

import java.util.Iterator;
import java.util.Map;

/** Rewrites of an {@link OpGraph} before calibration: what PyTorch's fusion passes do, in Java. */
final class GraphPasses {
    private GraphPasses() {
    }

    /** Dropout in eval mode and contiguous() compute nothing: their consumers read their input instead. */
    static void removeIdentities(OpGraph g) {
        for (Iterator<Node> it = g.nodes.iterator(); it.hasNext(); ) {
            Node n = it.next();
            if (n.kind == Kind.IDENTITY) {
                it.remove();
                g.replaceUses(n.output, n.inputs[0]);
            }
        }
    }

    /**
     * Folds each BatchNorm into the convolution (or linear layer) that feeds it and nothing else:
     * {@code w' = w * g / sqrt(var + eps)} per output channel, {@code b' = (b - mean) * g / sqrt(var + eps) + beta},
     * computed in double precision. A BatchNorm with no such producer is an error naming it.
     */
    static void foldBatchNorm(OpGraph g) {
        Map<Integer, Integer> uses = g.useCounts();
        for (Iterator<Node> it = g.nodes.iterator(); it.hasNext(); ) {
            Node bn = it.next();
            if (bn.kind != Kind.BATCH_NORM) continue;
            Node p = g.producer(bn.inputs[0]);
            if (p == null || (p.kind != Kind.CONV && p.kind != Kind.LINEAR) || uses.get(p.output) != 1) {
                throw new UserError("cannot quantize: the batch_norm at " + bn.where
                        + " does not directly follow a convolution or linear layer whose output it alone uses, so it cannot be folded");
            }
            long channels = p.weight.size(0);
            if (bn.mean.numel() != channels) {
                throw new UserError("cannot quantize: the batch_norm at " + bn.where + " has " + bn.mean.numel()
                        + " channels but the layer before it has " + channels);
            }
            Tensor mean = bn.mean.to(torch.ScalarType.Double);
            Tensor factor = bn.var.to(torch.ScalarType.Double).add(new org.bytedeco.pytorch.Scalar(bn.eps)).rsqrt();
            if (bn.weight != null) factor = factor.mul(bn.weight.to(torch.ScalarType.Double));
            long[] shape = new long[(int) p.weight.dim()];
            java.util.Arrays.fill(shape, 1);
            shape[0] = channels;
            Tensor w = p.weight.to(torch.ScalarType.Double).mul(factor.reshape(shape));
            Tensor b = p.bias == null ? torch.zeros(channels).to(torch.ScalarType.Double) : p.bias.to(torch.ScalarType.Double);
            b = b.sub(mean).mul(factor);
            if (bn.bias != null) b = b.add(bn.bias.to(torch.ScalarType.Double));
            p.weight = w.to(torch.ScalarType.Float).contiguous();
            p.bias = b.to(torch.ScalarType.Float).contiguous();
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
    static void fuseActivations(OpGraph g) {
        Map<Integer, Integer> uses = g.useCounts();
        for (Iterator<Node> it = g.nodes.iterator(); it.hasNext(); ) {
            Node c = it.next();
            if (c.kind != Kind.CLAMP) continue;
            if (c.min == Double.NEGATIVE_INFINITY && c.max == Double.POSITIVE_INFINITY) {
                it.remove();
                g.replaceUses(c.output, c.inputs[0]);
                uses = g.useCounts();
                continue;
            }
            Node p = g.producer(c.inputs[0]);
            if (p == null || !p.requantizes() || p.fused != null || uses.get(p.output) != 1) continue;
            if (c.min > 0 || c.max < 0) continue;
            p.fused = new Activation(c.min, c.max);
            it.remove();
            g.replaceUses(c.output, p.output);
            uses = g.useCounts();
        }
    }

    /** All passes, in order. */
    static void prepare(OpGraph g) {
        removeIdentities(g);
        foldBatchNorm(g);
        fuseActivations(g);
    }
}
