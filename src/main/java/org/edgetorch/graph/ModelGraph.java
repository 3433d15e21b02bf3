package org.edgetorch.graph;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * edgetorch's model representation: a CNN as a straight-line list of tensor operations over numbered
 * values, read once from a frozen TorchScript file ({@code org.edgetorch.jit.ModelGraphReader}). Value
 * {@link #INPUT} is the model input (NCHW); every node produces one new value. The passes
 * ({@link GraphPasses}) rewrite the list; the quantizer's float interpreter and INT8 emitter and the ONNX
 * writer read it.
 */
public final class ModelGraph {
    public static final int INPUT = 0;

    public final List<Node> nodes = new ArrayList<>();
    public int output = -1;
    private int nextValue = 1;

    public int newValue() {
        return nextValue++;
    }

    /** Number of consumers of each value (the graph output counts as one). */
    public Map<Integer, Integer> useCounts() {
        Map<Integer, Integer> uses = new HashMap<>();
        for (Node n : nodes) {
            for (int v : n.inputs) uses.merge(v, 1, Integer::sum);
        }
        uses.merge(output, 1, Integer::sum);
        return uses;
    }

    public Node producer(int value) {
        for (Node n : nodes) {
            if (n.output == value) return n;
        }
        return null;
    }

    /** Replaces every use of {@code from} (including the graph output) by {@code to}. */
    public void replaceUses(int from, int to) {
        for (Node n : nodes) {
            for (int i = 0; i < n.inputs.length; i++) {
                if (n.inputs[i] == from) n.inputs[i] = to;
            }
        }
        if (output == from) output = to;
    }

    public long count(OpKind kind) {
        return nodes.stream().filter(n -> n.kind == kind).count();
    }
}
