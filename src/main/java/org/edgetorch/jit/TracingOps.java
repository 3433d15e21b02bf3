package org.edgetorch.jit;

import org.bytedeco.pytorch.Graph;
import org.bytedeco.pytorch.IValue;
import org.bytedeco.pytorch.JitNode;
import org.bytedeco.pytorch.Symbol;
import org.bytedeco.pytorch.Tensor;
import org.bytedeco.pytorch.Value;
import org.bytedeco.pytorch.ValueVector;
import org.edgetorch.nn.EagerOps;
import org.edgetorch.nn.Ops;
import org.edgetorch.nn.StateDict;
import org.edgetorch.util.UserError;

import java.util.HashMap;
import java.util.IdentityHashMap;
import java.util.Map;

/**
 * Runs each operation eagerly and records it into a TorchScript graph, as PyTorch's tracer does: one
 * execution path, with parameters read from the module's attributes ({@code prim::GetAttr} chains under
 * the state-dict names) and the scalars of this run baked in as constants.
 *
 * <p>The ops recorded are the ones {@code torch.jit.trace} records for torchvision's modules, so the file runs
 * like PyTorch's own trace: {@code aten::_convolution} for {@code nn.Conv2d}, and the in-place
 * {@code aten::hardtanh_} and {@code aten::relu_} for torchvision's {@code ReLU6(inplace=True)} and
 * {@code ReLU(inplace=True)} (an in-place activation writes into its input instead of allocating a new tensor;
 * its input is always a BatchNorm or add output that nothing else reads).
 */
final class TracingOps implements Ops {
    /** The ops the tracer records; any other op of {@link Ops} stops the trace with its name. */
    static final String VOCABULARY = "conv2d, batch_norm, relu, hardtanh (ReLU6), add, max_pool2d, adaptive_avg_pool2d, flatten, dropout, linear";
    private static final String CONVOLUTION = "aten::_convolution";

    private final EagerOps eager;
    private final Graph graph;
    private final Value self;
    private final Map<Tensor, Value> values = new IdentityHashMap<>();
    private final Map<String, Value> attributes = new HashMap<>();
    private Value none;
    private int recorded;

    TracingOps(StateDict weights, Graph graph, Value self) {
        this.eager = new EagerOps(weights);
        this.graph = graph;
        this.self = self;
    }

    void bindInput(Tensor t, Value v) {
        values.put(t, v);
    }

    Value valueOf(Tensor t, String consumer) {
        Value v = values.get(t);
        if (v == null) {
            throw new UserError("cannot trace " + consumer + ": its input was computed outside the traced op layer");
        }
        return v;
    }

    int recordedOps() {
        return recorded;
    }

    @Override
    public Tensor conv2d(Tensor x, String prefix, boolean bias, int stride, int padding, int groups) {
        Tensor out = eager.conv2d(x, prefix, bias, stride, padding, groups);
        // aten::_convolution(input, weight, bias, stride, padding, dilation, transposed, output_padding, groups,
        //                    benchmark, deterministic, cudnn_enabled, allow_tf32), as torch.jit.trace records nn.Conv2d
        return record(CONVOLUTION, out, valueOf(x, CONVOLUTION + " at " + prefix), attr(prefix + ".weight"),
                bias ? attr(prefix + ".bias") : none(), intList(stride, stride), intList(padding, padding), intList(1, 1),
                constant(new IValue(false)), intList(0, 0), constant(new IValue((long) groups)), constant(new IValue(false)),
                constant(new IValue(false)), constant(new IValue(true)), constant(new IValue(true)));
    }

    @Override
    public Tensor batchNorm(Tensor x, String prefix) {
        Tensor out = eager.batchNorm(x, prefix);
        // aten::batch_norm(input, weight, bias, running_mean, running_var, training, momentum, eps, cudnn_enabled)
        return record("aten::batch_norm", out, valueOf(x, "aten::batch_norm at " + prefix), attr(prefix + ".weight"),
                attr(prefix + ".bias"), attr(prefix + ".running_mean"), attr(prefix + ".running_var"),
                constant(new IValue(false)), constant(new IValue(0.1)), constant(new IValue(1e-5)), constant(new IValue(true)));
    }

    @Override
    public Tensor relu(Tensor x) {
        return record("aten::relu_", eager.relu(x), valueOf(x, "aten::relu_"));
    }

    @Override
    public Tensor relu6(Tensor x) {
        return record("aten::hardtanh_", eager.relu6(x), valueOf(x, "aten::hardtanh_"),
                constant(new IValue(0.0)), constant(new IValue(6.0)));
    }

    @Override
    public Tensor add(Tensor a, Tensor b) {
        return record("aten::add", eager.add(a, b), valueOf(a, "aten::add"), valueOf(b, "aten::add"),
                constant(new IValue(1L)));
    }

    @Override
    public Tensor maxPool2d(Tensor x, int kernel, int stride, int padding) {
        return record("aten::max_pool2d", eager.maxPool2d(x, kernel, stride, padding), valueOf(x, "aten::max_pool2d"),
                intList(kernel, kernel), intList(stride, stride), intList(padding, padding), intList(1, 1),
                constant(new IValue(false)));
    }

    @Override
    public Tensor adaptiveAvgPool2d(Tensor x, int outputSize) {
        return record("aten::adaptive_avg_pool2d", eager.adaptiveAvgPool2d(x, outputSize),
                valueOf(x, "aten::adaptive_avg_pool2d"), intList(outputSize, outputSize));
    }

    @Override
    public Tensor flatten(Tensor x, int startDim) {
        return record("aten::flatten", eager.flatten(x, startDim), valueOf(x, "aten::flatten"),
                constant(new IValue((long) startDim)), constant(new IValue(-1L)));
    }

    @Override
    public Tensor dropout(Tensor x, double p) {
        return record("aten::dropout", eager.dropout(x, p), valueOf(x, "aten::dropout"),
                constant(new IValue(p)), constant(new IValue(false)));
    }

    @Override
    public Tensor linear(Tensor x, String prefix) {
        return record("aten::linear", eager.linear(x, prefix), valueOf(x, "aten::linear at " + prefix),
                attr(prefix + ".weight"), attr(prefix + ".bias"));
    }

    @Override
    public Tensor hardswish(Tensor x) {
        throw new UserError("cannot trace aten::hardswish: the tracer records only " + VOCABULARY);
    }

    private Tensor record(String op, Tensor out, Value... inputs) {
        JitNode node = graph.create(Symbol.fromQualString(op), new ValueVector(inputs), 1);
        graph.insertNode(node);
        // a new node output is typed Tensor already; building a TypePtr from TensorType.get() in Java would
        // wrap the singleton in a second owning shared_ptr and free it twice
        Value v = node.output();
        values.put(out, v);
        recorded++;
        return out;
    }

    /** {@code self.a.b.c}, built once per path as a chain of prim::GetAttr. */
    private Value attr(String dotted) {
        Value cached = attributes.get(dotted);
        if (cached != null) return cached;
        int dot = dotted.lastIndexOf('.');
        Value owner = dot < 0 ? self : attr(dotted.substring(0, dot));
        Value v = graph.insertGetAttr(owner, dotted.substring(dot + 1));
        attributes.put(dotted, v);
        return v;
    }

    private Value none() {
        if (none == null) none = graph.insertNode(graph.createNone()).output();
        return none;
    }

    private Value constant(IValue v) {
        return graph.insertConstant(v);
    }

    private Value intList(long... items) {
        ValueVector vv = new ValueVector();
        for (long i : items) vv.push_back(graph.insertConstant(new IValue(i)));
        // the element type comes from an int constant's own TypePtr: IntType.getIntTypePtr() is a
        // SingletonTypePtr, not layout-compatible with the TypePtr createList takes
        JitNode list = graph.createList(vv.get(0).type(), vv);
        graph.insertNode(list);
        return list.output();
    }
}
