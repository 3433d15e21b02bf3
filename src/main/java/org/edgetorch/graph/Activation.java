package org.edgetorch.graph;

/** A clamp fused into the op that produces its input: ReLU is [0, inf), ReLU6 [0, 6]. */
public record Activation(double min, double max) {
    public boolean isRelu() {
        return min == 0 && max == Double.POSITIVE_INFINITY;
    }

    public boolean isRelu6() {
        return min == 0 && max == 6;
    }

    @Override
    public String toString() {
        if (isRelu()) return "relu";
        if (isRelu6()) return "relu6";
        return "clamp(" + min + ", " + max + ")";
    }
}
