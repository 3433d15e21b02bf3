package org.edgetorch.quant;

import org.bytedeco.pytorch.Tensor;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * The quantizer's own view of a frozen TorchScript CNN: a straight-line list of tensor operations over
 * numbered values. Value {@link #INPUT} is the model input; every node produces one new value. The
 * passes (BatchNorm folding, activation fusion) rewrite this list; the float interpreter runs it for
 * calibration; the emitter turns it into quantized TorchScript.
 */
final class OpGraph {
    static final int INPUT = 0;

    enum Kind {
        CONV, BATCH_NORM, LINEAR, ADD, CLAMP, ADAPTIVE_AVG_POOL, AVG_POOL, MAX_POOL, FLATTEN, IDENTITY
    }

    /** One operation. Fields that do not apply to its kind stay null / zero. */
    static final class Node {
        final Kind kind;
        /** Input values; for CONV / LINEAR / BATCH_NORM only the activation (parameters are held below). */
        int[] inputs;
        final int output;
        /** Where the node came from, for messages: position, op, output name, source. */
        final String where;
        /** A readable base for attribute names in the emitted module (e.g. {@code features_3_conv_0}). */
        final String name;

        // CONV / LINEAR: weight and optional bias (float); BATCH_NORM: gamma, beta, mean, var, eps
        Tensor weight;
        Tensor bias;
        Tensor mean;
        Tensor var;
        double eps;
        long[] stride;
        long[] padding;
        long[] dilation;
        long groups;
        // CLAMP: bounds (infinite when absent); CONV / LINEAR / ADD: a fused clamp (activation), or null
        double min = Double.NEGATIVE_INFINITY;
        double max = Double.POSITIVE_INFINITY;
        Activation fused;
        // pools, flatten
        long[] kernel;
        long[] outputSize;
        boolean ceilMode;
        boolean countIncludePad;
        Long divisorOverride;
        long startDim;
        long endDim;

        Node(Kind kind, int[] inputs, int output, String where, String name) {
            this.kind = kind;
            this.inputs = inputs;
            this.output = output;
            this.where = where;
            this.name = name;
        }

        /** Whether this node's output needs its own quantization parameters (it computes new values). */
        boolean requantizes() {
            return kind == Kind.CONV || kind == Kind.LINEAR || kind == Kind.ADD;
        }

        @Override
        public String toString() {
            return kind + (fused != null ? "+" + fused : "") + " " + java.util.Arrays.toString(inputs) + " -> " + output + " (" + where + ")";
        }
    }

    /** A clamp fused into the producing op: ReLU is [0, inf), ReLU6 [0, 6]. */
    record Activation(double min, double max) {
        boolean isRelu() {
            return min == 0 && max == Double.POSITIVE_INFINITY;
        }

        @Override
        public String toString() {
            if (isRelu()) return "relu";
            if (min == 0 && max == 6) return "relu6";
            return "clamp(" + min + ", " + max + ")";
        }
    }

    final List<Node> nodes = new ArrayList<>();
    int output = -1;
    private int nextValue = 1;

    int newValue() {
        return nextValue++;
    }

    /** Number of consumers of each value (the graph output counts as one). */
    Map<Integer, Integer> useCounts() {
        Map<Integer, Integer> uses = new HashMap<>();
        for (Node n : nodes) {
            for (int v : n.inputs) uses.merge(v, 1, Integer::sum);
        }
        uses.merge(output, 1, Integer::sum);
        return uses;
    }

    Node producer(int value) {
        for (Node n : nodes) {
            if (n.output == value) return n;
        }
        return null;
    }

    /** Replaces every use of {@code from} (including the graph output) by {@code to}. */
    void replaceUses(int from, int to) {
        for (Node n : nodes) {
            for (int i = 0; i < n.inputs.length; i++) {
                if (n.inputs[i] == from) n.inputs[i] = to;
            }
        }
        if (output == from) output = to;
    }

    long count(Kind kind) {
        return nodes.stream().filter(n -> n.kind == kind).count();
    }
}
