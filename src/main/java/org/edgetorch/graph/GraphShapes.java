package org.edgetorch.graph;

import org.edgetorch.util.UserError;

import java.util.Arrays;
import java.util.HashMap;
import java.util.Map;

/**
 * The shape of every value of a {@link ModelGraph} for one input shape, worked out in Java as PyTorch's
 * shape rules do, so an input the model cannot take is refused with the op and the reason before anything
 * is written. Also tells whether the batch dimension survives to the output (it does unless a flatten
 * merges it), which decides whether the written file can leave it dynamic.
 */
public record GraphShapes(Map<Integer, long[]> shapes, boolean batchKept) {

    public long[] of(int value) {
        return shapes.get(value);
    }

    public static GraphShapes infer(ModelGraph g, long[] input, String action) {
        if (input.length != 4) throw misfit(action, input, "the model takes an [N, C, H, W] image batch");
        for (long d : input) {
            if (d < 1) throw misfit(action, input, "every dimension must be at least 1");
        }
        Map<Integer, long[]> s = new HashMap<>();
        s.put(ModelGraph.INPUT, input.clone());
        boolean batchKept = true;
        for (Node n : g.nodes) {
            s.put(n.output, output(n, s, input, action));
            if (n.kind == OpKind.FLATTEN && dim(n.startDim, s.get(n.inputs[0]).length) == 0
                    && dim(n.endDim, s.get(n.inputs[0]).length) > 0) {
                batchKept = false;
            }
        }
        return new GraphShapes(s, batchKept && s.get(g.output).length >= 1);
    }

    /**
     * The output shape of {@code n} given the shapes of the values before it ({@code s}); {@code input} and
     * {@code action} word the error when the node cannot take its inputs.
     */
    public static long[] output(Node n, Map<Integer, long[]> s, long[] input, String action) {
        long[] x = s.get(n.inputs[0]);
        return switch (n.kind) {
                case CONV -> {
                    need(x.length == 4, action, input, n, "expects a 4-D input, gets " + Arrays.toString(x));
                    long inC = n.weight.size(1) * n.groups;
                    need(x[1] == inC, action, input, n, "expects " + inC + " input channels, gets " + x[1]);
                    long h = window(x[2], n.weight.size(2), n.stride[0], n.padding[0], n.dilation[0], false);
                    long w = window(x[3], n.weight.size(3), n.stride[1], n.padding[1], n.dilation[1], false);
                    need(h >= 1 && w >= 1, action, input, n, "its " + n.weight.size(2) + "x" + n.weight.size(3)
                            + " kernel does not fit a " + x[2] + "x" + x[3] + " input");
                    yield new long[]{x[0], n.weight.size(0), h, w};
                }
                case BATCH_NORM -> {
                    need(x.length >= 2 && x[1] == n.mean.numel(), action, input, n,
                            "expects " + n.mean.numel() + " channels, gets " + Arrays.toString(x));
                    yield x;
                }
                case LINEAR -> {
                    long in = n.weight.size(1);
                    need(x.length >= 1 && x[x.length - 1] == in, action, input, n,
                            "expects " + in + " input features, gets " + Arrays.toString(x));
                    long[] o = x.clone();
                    o[o.length - 1] = n.weight.size(0);
                    yield o;
                }
                case ADD, MUL -> broadcast(x, s.get(n.inputs[1]), action, input, n);
                case CLAMP, IDENTITY, HARDSWISH, HARDSIGMOID, SIGMOID -> x;
                case ADAPTIVE_AVG_POOL -> {
                    need(x.length == 4, action, input, n, "expects a 4-D input, gets " + Arrays.toString(x));
                    yield new long[]{x[0], x[1], n.outputSize[0], n.outputSize[1]};
                }
                case AVG_POOL, MAX_POOL -> {
                    need(x.length == 4, action, input, n, "expects a 4-D input, gets " + Arrays.toString(x));
                    long[] dil = n.dilation == null ? new long[]{1, 1} : n.dilation;
                    long h = window(x[2], n.kernel[0], n.stride[0], n.padding[0], dil[0], n.ceilMode);
                    long w = window(x[3], n.kernel[1], n.stride[1], n.padding[1], dil[1], n.ceilMode);
                    need(h >= 1 && w >= 1, action, input, n, "its " + n.kernel[0] + "x" + n.kernel[1]
                            + " window does not fit a " + x[2] + "x" + x[3] + " input");
                    yield new long[]{x[0], x[1], h, w};
                }
                case FLATTEN -> {
                    int start = dim(n.startDim, x.length), end = dim(n.endDim, x.length);
                    need(start <= end, action, input, n, "flattens dims " + n.startDim + ".." + n.endDim + " of a "
                            + x.length + "-D tensor");
                    long[] o = new long[x.length - (end - start)];
                    int k = 0;
                    for (int d = 0; d < start; d++) o[k++] = x[d];
                    long m = 1;
                    for (int d = start; d <= end; d++) m *= x[d];
                    o[k++] = m;
                    for (int d = end + 1; d < x.length; d++) o[k++] = x[d];
                    yield o;
                }
                case CAT -> {
                    need(n.axis >= 1 && n.axis < x.length, action, input, n, "concatenates along dim " + n.axis + " of a "
                            + x.length + "-D tensor (the batch dim cannot be concatenated)");
                    long[] o = x.clone();
                    o[(int) n.axis] = 0;
                    for (int v : n.inputs) {
                        long[] y = s.get(v);
                        boolean fits = y.length == x.length;
                        for (int d = 0; fits && d < x.length; d++) fits = d == n.axis || y[d] == x[d];
                        need(fits, action, input, n, "concatenates tensors of shapes " + Arrays.toString(x) + " and "
                                + Arrays.toString(y) + " along dim " + n.axis);
                        o[(int) n.axis] += y[(int) n.axis];
                    }
                    yield o;
                }
                case SLICE -> {
                    need(n.axis >= 1 && n.axis < x.length, action, input, n, "slices dim " + n.axis + " of a "
                            + x.length + "-D tensor (the batch dim cannot be sliced)");
                    need(0 <= n.sliceStart && n.sliceStart < n.sliceEnd && n.sliceEnd <= x[(int) n.axis], action, input, n,
                            "takes [" + n.sliceStart + ", " + n.sliceEnd + ") of a dim of size " + x[(int) n.axis]);
                    long[] o = x.clone();
                    o[(int) n.axis] = n.sliceEnd - n.sliceStart;
                    yield o;
                }
                case RESHAPE -> {
                    long have = 1, want = 1;
                    for (int d = 1; d < x.length; d++) have *= x[d];
                    for (long d : n.shape) want *= d;
                    need(have == want, action, input, n, "reshapes " + Arrays.toString(x) + " into [N, "
                            + Arrays.toString(n.shape).replace("[", ""));
                    long[] o = new long[n.shape.length + 1];
                    o[0] = x[0];
                    System.arraycopy(n.shape, 0, o, 1, n.shape.length);
                    yield o;
                }
                case PERMUTE -> {
                    need(n.perm.length == x.length, action, input, n, "permutes " + n.perm.length + " dims of a "
                            + x.length + "-D tensor");
                    long[] o = new long[x.length];
                    for (int d = 0; d < x.length; d++) o[d] = x[(int) n.perm[d]];
                    yield o;
                }
        };
    }

    /** PyTorch's output size of a convolution or pooling window along one dimension. */
    public static long window(long in, long kernel, long stride, long pad, long dilation, boolean ceil) {
        long span = in + 2 * pad - dilation * (kernel - 1) - 1;
        if (span < 0) return 0;
        long out = (ceil ? Math.floorDiv(span + stride - 1, stride) : Math.floorDiv(span, stride)) + 1;
        // ceil mode: the last window must start inside the input or its left padding
        if (ceil && (out - 1) * stride >= in + pad) out--;
        return out;
    }

    /** A dim index with negatives counted from the end, as PyTorch does. */
    public static int dim(long d, int rank) {
        return (int) (d < 0 ? d + rank : d);
    }

    private static long[] broadcast(long[] a, long[] b, String action, long[] input, Node n) {
        int r = Math.max(a.length, b.length);
        long[] o = new long[r];
        for (int i = 0; i < r; i++) {
            long x = i < r - a.length ? 1 : a[i - (r - a.length)];
            long y = i < r - b.length ? 1 : b[i - (r - b.length)];
            need(x == y || x == 1 || y == 1, action, input, n, (n.kind == OpKind.MUL ? "multiplies" : "adds") + " tensors of shapes " + Arrays.toString(a) + " and "
                    + Arrays.toString(b));
            o[i] = Math.max(x, y);
        }
        return o;
    }

    private static void need(boolean ok, String action, long[] input, Node n, String why) {
        if (!ok) throw misfit(action, input, n.where + " " + why);
    }

    private static UserError misfit(String action, long[] input, String why) {
        return new UserError("cannot " + action + ": input shape " + Arrays.toString(input).replace(" ", "")
                + " does not fit the model: " + why);
    }
}
