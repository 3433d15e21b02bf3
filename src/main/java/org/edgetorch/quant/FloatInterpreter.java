package org.edgetorch.quant;

import org.bytedeco.pytorch.Scalar;
import org.bytedeco.pytorch.ScalarOptional;
import org.bytedeco.pytorch.Tensor;
import org.bytedeco.pytorch.TensorOptional;
import org.bytedeco.pytorch.TensorVector;
import org.bytedeco.pytorch.global.torch;
import org.edgetorch.graph.ModelGraph;
import org.edgetorch.graph.Node;
import org.edgetorch.tensor.FloatTensor;
import org.edgetorch.tensor.Tensors;

import java.util.HashMap;
import java.util.Map;

/**
 * Runs a {@link ModelGraph} in float32 with LibTorch's ATen ops, showing every computed value to an
 * observer: this is how calibration sees the activations of the folded and fused model. The graph's
 * Java-owned weights are copied into LibTorch tensors on each run, inside the caller's PointerScope, so
 * no native memory outlives the run.
 */
final class FloatInterpreter {
    interface Observer {
        void observe(int value, Tensor t);
    }

    /** Replaces a computed value before later ops read it (e.g. simulated quantization). */
    interface Transform {
        Tensor apply(int value, Tensor t);
    }

    private FloatInterpreter() {
    }

    /** Runs the graph on {@code input}; the caller owns native memory (run it inside a PointerScope). */
    static Tensor run(ModelGraph g, Tensor input, Observer observer) {
        return run(g, input, observer, null);
    }

    static Tensor run(ModelGraph g, Tensor input, Observer observer, Transform transform) {
        Map<Integer, Tensor> values = new HashMap<>();
        if (transform != null) input = transform.apply(ModelGraph.INPUT, input);
        values.put(ModelGraph.INPUT, input);
        if (observer != null) observer.observe(ModelGraph.INPUT, input);
        Map<Integer, Integer> remaining = g.useCounts();
        for (Node n : g.nodes) {
            Tensor x = values.get(n.inputs[0]);
            Tensor y = switch (n.kind) {
                case CONV -> activate(torch.conv2d(x, torch(n.weight), optional(n.bias), n.stride, n.padding, n.dilation, n.groups), n);
                case LINEAR -> activate(torch.linear(x, torch(n.weight), optional(n.bias)), n);
                case ADD -> activate(x.add(values.get(n.inputs[1])), n);
                case CLAMP -> clamp(x, n.min, n.max);
                case ADAPTIVE_AVG_POOL -> torch.adaptive_avg_pool2d(x, n.outputSize);
                case MAX_POOL -> torch.max_pool2d(x, n.kernel, n.stride, n.padding, n.dilation, n.ceilMode);
                case AVG_POOL -> torch.avg_pool2d(x, n.kernel, n.stride, n.padding, n.ceilMode, n.countIncludePad,
                        n.divisorOverride == null ? new org.bytedeco.pytorch.LongOptional() : new org.bytedeco.pytorch.LongOptional(n.divisorOverride));
                case FLATTEN -> torch.flatten(x, n.startDim, n.endDim);
                case IDENTITY -> x;
                case BATCH_NORM -> torch.batch_norm(x, optional(n.weight), optional(n.bias), optional(n.mean), optional(n.var),
                        false, 0.1, n.eps, false);
                case HARDSWISH -> torch.hardswish(x);
                case HARDSIGMOID -> torch.hardsigmoid(x);
                case SIGMOID -> torch.sigmoid(x);
                case MUL -> x.mul(values.get(n.inputs[1]));
                case CAT -> {
                    TensorVector parts = new TensorVector();
                    for (int v : n.inputs) parts.push_back(values.get(v));
                    yield torch.cat(parts, n.axis);
                }
                case SLICE -> x.narrow(n.axis, n.sliceStart, n.sliceEnd - n.sliceStart);
                case RESHAPE -> x.reshape(batchAnd(x.size(0), n.shape));
                case PERMUTE -> x.permute(n.perm);
            };
            if (transform != null) y = transform.apply(n.output, y);
            values.put(n.output, y);
            if (observer != null) observer.observe(n.output, y);
            for (int v : n.inputs) {
                if (remaining.merge(v, -1, Integer::sum) == 0 && v != ModelGraph.INPUT) values.remove(v);
            }
        }
        return values.get(g.output);
    }

    /** {@code [batch, rest...]}: a RESHAPE's full target. */
    static long[] batchAnd(long batch, long[] rest) {
        long[] full = new long[rest.length + 1];
        full[0] = batch;
        System.arraycopy(rest, 0, full, 1, rest.length);
        return full;
    }

    private static Tensor activate(Tensor y, Node n) {
        return n.fused == null ? y : clamp(y, n.fused.min(), n.fused.max());
    }

    static Tensor clamp(Tensor x, double lo, double hi) {
        ScalarOptional a = lo == Double.NEGATIVE_INFINITY ? new ScalarOptional() : new ScalarOptional(new Scalar(lo));
        ScalarOptional b = hi == Double.POSITIVE_INFINITY ? new ScalarOptional() : new ScalarOptional(new Scalar(hi));
        return torch.clamp(x, a, b);
    }

    private static Tensor torch(FloatTensor t) {
        return Tensors.toTorch(t);
    }

    private static TensorOptional optional(FloatTensor t) {
        return t == null ? new TensorOptional() : new TensorOptional(Tensors.toTorch(t));
    }
}
