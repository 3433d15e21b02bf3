package org.edgetorch.graph;

import org.edgetorch.tensor.FloatTensor;

import java.util.Arrays;

/**
 * One operation of a {@link ModelGraph}. Fields that do not apply to its kind stay null / zero. Weights are
 * Java-owned float tensors in PyTorch's layout (convolution OIHW, linear [out, in]), so no consumer needs
 * LibTorch to read them.
 */
public final class Node {
    public final OpKind kind;
    /** Input values; for CONV / LINEAR / BATCH_NORM only the activation (parameters are held below); CAT has any number. */
    public int[] inputs;
    public final int output;
    /** Where the node came from, for messages: position, op, output name, source. */
    public final String where;
    /** A readable base for names in written files (e.g. {@code features_3_conv_0}). */
    public final String name;

    // CONV / LINEAR: weight and optional bias; BATCH_NORM: gamma (weight), beta (bias), mean, var, eps
    public FloatTensor weight;
    public FloatTensor bias;
    public FloatTensor mean;
    public FloatTensor var;
    public double eps;
    public long[] stride;
    public long[] padding;
    public long[] dilation;
    public long groups;
    // CLAMP: bounds (infinite when absent); CONV / LINEAR / ADD (OpKind.takesFusedActivation): a fused clamp, or null
    public double min = Double.NEGATIVE_INFINITY;
    public double max = Double.POSITIVE_INFINITY;
    public Activation fused;
    // pools, flatten
    public long[] kernel;
    public long[] outputSize;
    public boolean ceilMode;
    public boolean countIncludePad;
    public Long divisorOverride;
    public long startDim;
    public long endDim;
    // CAT, SLICE: the dimension (non-negative); SLICE: [sliceStart, sliceEnd), both within the dimension
    public long axis;
    public long sliceStart;
    public long sliceEnd;
    // RESHAPE: the dims after the batch, all static
    public long[] shape;
    // PERMUTE: a permutation of all dims, perm[0] == 0
    public long[] perm;

    public Node(OpKind kind, int[] inputs, int output, String where, String name) {
        this.kind = kind;
        this.inputs = inputs;
        this.output = output;
        this.where = where;
        this.name = name;
    }

    /** Whether this node's output needs its own quantization parameters (it computes new values). */
    public boolean requantizes() {
        return kind.requantizes();
    }

    @Override
    public String toString() {
        return kind + (fused != null ? "+" + fused : "") + " " + Arrays.toString(inputs) + " -> " + output + " (" + where + ")";
    }
}
