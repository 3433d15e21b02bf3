package org.edgetorch.graph;

/** A clamp fused into the op that produces its input: ReLU is [0, inf), ReLU6 [0, 6]. */
public record Activation(double min, double max) {
    public boolean isRelu() {
        return min == 0 && max == Double.POSITIVE_INFINITY;
    }

    public boolean isRelu6() {
        return min == 0 && max == 6;
    }

    /**
     * Whether a tensor quantized with {@code q} onto [{@code dtypeMin}, {@code dtypeMax}] already applies this
     * clamp by its own saturation: the values it can represent stay within the bounds (to half a step). A
     * lower bound of 0 counts as applied: activation parameters narrowed to a range starting at 0 have zero
     * point 0, so saturation at the type's minimum is exactly a ReLU.
     */
    public boolean enforcedBy(QParams q, long dtypeMin, long dtypeMax) {
        double tol = q.scale() / 2;
        boolean upper = q.representableMax(dtypeMax) <= max + tol;
        boolean lower = min == 0 || q.representableMin(dtypeMin) >= min - tol;
        return upper && lower;
    }

    @Override
    public String toString() {
        if (isRelu()) return "relu";
        if (isRelu6()) return "relu6";
        return "clamp(" + min + ", " + max + ")";
    }
}
