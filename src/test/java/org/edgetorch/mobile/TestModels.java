package org.edgetorch.mobile;

import org.bytedeco.pytorch.CompilationUnit;
import org.bytedeco.pytorch.Graph;
import org.bytedeco.pytorch.IValue;
import org.bytedeco.pytorch.IntType;
import org.bytedeco.pytorch.JitModule;
import org.bytedeco.pytorch.JitNode;
import org.bytedeco.pytorch.QualifiedName;
import org.bytedeco.pytorch.Symbol;
import org.bytedeco.pytorch.Tensor;
import org.bytedeco.pytorch.TensorType;
import org.bytedeco.pytorch.Type;
import org.bytedeco.pytorch.Value;
import org.bytedeco.pytorch.ValueVector;
import org.bytedeco.pytorch.global.torch;

import java.nio.file.Path;

/**
 * Small TorchScript models built in the test (no Python): a MobileNet-like FP32 block written with
 * {@code JitModule.define}, and quantized conv/linear models whose graphs are built through the IR
 * (the native resolver does not know {@code ops.quantized}).
 */
final class TestModels {
    static final long[] INPUT = {1, 3, 16, 16};

    private TestModels() {
    }

    private static Tensor randn(long... shape) {
        return torch.randn(shape).mul(new org.bytedeco.pytorch.Scalar(0.3));
    }

    /**
     * conv → BatchNorm → ReLU6, depthwise conv → BatchNorm → ReLU, 1×1 conv (+ residual add), pool,
     * flatten, dropout, linear: every op the mobile passes handle, over registered parameters.
     */
    static Path fp32Block(Path file) {
        torch.manual_seed(7);
        JitModule m = new JitModule(new QualifiedName("__torch__.edgetorch.test.Block"), new CompilationUnit(), true);
        m.register_parameter("c1_w", randn(8, 3, 3, 3), false);
        registerBatchNorm(m, "bn1", 8);
        m.register_parameter("dw_w", randn(8, 1, 3, 3), false);
        registerBatchNorm(m, "bn2", 8);
        m.register_parameter("pw_w", randn(8, 8, 1, 1), false);
        m.register_parameter("pw_b", randn(8), false);
        m.register_parameter("fc_w", randn(5, 8), false);
        m.register_parameter("fc_b", randn(5), false);
        m.define("""
                def forward(self, x: Tensor) -> Tensor:
                    y = torch.conv2d(x, self.c1_w, None, [2, 2], [1, 1], [1, 1], 1)
                    y = torch.batch_norm(y, self.bn1_w, self.bn1_b, self.bn1_mean, self.bn1_var, False, 0.1, 1e-5, False)
                    y = torch.hardtanh(y, 0.0, 6.0)
                    z = torch.conv2d(y, self.dw_w, None, [1, 1], [1, 1], [1, 1], 8)
                    z = torch.batch_norm(z, self.bn2_w, self.bn2_b, self.bn2_mean, self.bn2_var, False, 0.1, 1e-5, False)
                    z = torch.relu(z)
                    z = torch.conv2d(z, self.pw_w, self.pw_b, [1, 1], [0, 0], [1, 1], 1)
                    y = torch.add(y, z)
                    y = torch.adaptive_avg_pool2d(y, [1, 1])
                    y = torch.flatten(y, 1)
                    y = torch.dropout(y, 0.2, False)
                    return torch.linear(y, self.fc_w, self.fc_b)
                """);
        m.eval();
        m.save(file.toString());
        return file;
    }

    private static void registerBatchNorm(JitModule m, String name, long c) {
        m.register_parameter(name + "_w", torch.rand(c).add(new org.bytedeco.pytorch.Scalar(0.5)), false);
        m.register_parameter(name + "_b", randn(c), false);
        m.register_buffer(name + "_mean", randn(c));
        m.register_buffer(name + "_var", torch.rand(c).add(new org.bytedeco.pytorch.Scalar(0.5)));
    }

    /** A module whose forward has the given (wrong) signature. */
    static Path withSource(Path file, String source) {
        JitModule m = new JitModule(new QualifiedName("__torch__.edgetorch.test.Odd"), new CompilationUnit(), true);
        m.register_parameter("w", randn(4, 4), false);
        m.define(source);
        m.save(file.toString());
        return file;
    }

    /**
     * quantize → quantized::conv2d_relu → dequantize → quantized linear path, packed for the engine
     * selected now. With {@code prepackInForward} the packed params are not attributes: forward calls
     * {@code quantized::conv2d_prepack} on the int8 weight each time, as an unhoisted graph would.
     */
    static Path quantized(Path file, boolean prepackInForward) {
        return quantized(file, prepackInForward, null);
    }

    /** As above, with {@code extra/edgetorch_quantization.json} = {@code note} when not null (the quantizer's note). */
    static Path quantized(Path file, boolean prepackInForward, String note) {
        torch.manual_seed(11);
        Tensor w = torch.quantize_per_tensor(randn(4, 3, 3, 3), 0.02, 0, torch.ScalarType.QInt8);
        Tensor b = randn(4);
        IValue stride = intList(1, 1), padding = intList(1, 1), dilation = intList(1, 1);
        JitModule m = new JitModule(new QualifiedName("__torch__.edgetorch.test.QConv"), new CompilationUnit(), true);
        IValue packed = Ops.call("quantized::conv2d_prepack",
                java.util.List.of(new IValue(w), new IValue(b), stride, padding, dilation, new IValue(1L)));
        if (prepackInForward) {
            m.register_buffer("qweight", w);
            m.register_buffer("bias", b);
        } else {
            Graph scratch = new Graph();
            Type.TypePtr packedType = scratch.insertConstant(packed).type();
            m.register_attribute("packed", packedType, packed, false, false);
        }
        m.define("def forward(self, x: Tensor) -> Tensor:\n    return x\n");
        Graph g = m.get_method("forward").graph();
        JitNode ret = g.return_node();
        g.setInsertPoint(ret);
        Value self = g.inputs().get(0), x = g.inputs().get(1);
        Value packedValue;
        if (prepackInForward) {
            JitNode prepack = g.create(Symbol.fromQualString("quantized::conv2d_prepack"), new ValueVector(
                    g.insertGetAttr(self, "qweight"), g.insertGetAttr(self, "bias"),
                    g.insertConstant(stride), g.insertConstant(padding), g.insertConstant(dilation),
                    g.insertConstant(new IValue(1L))), 1);
            g.insertNode(prepack);
            prepack.output().setType(g.insertConstant(packed).type());
            packedValue = prepack.output();
        } else {
            packedValue = g.insertGetAttr(self, "packed");
        }
        JitNode q = g.create(Symbol.fromQualString("aten::quantize_per_tensor"), new ValueVector(x,
                g.insertConstant(new IValue(0.02)), g.insertConstant(new IValue(128L)),
                g.insertConstant(new IValue((long) torch.ScalarType.QUInt8.value))), 1);
        g.insertNode(q);
        q.output().setType(new Type.TypePtr(TensorType.get()));
        JitNode conv = g.create(Symbol.fromQualString("quantized::conv2d_relu"), new ValueVector(q.output(), packedValue,
                g.insertConstant(new IValue(0.05)), g.insertConstant(new IValue(0L))), 1);
        g.insertNode(conv);
        conv.output().setType(new Type.TypePtr(TensorType.get()));
        JitNode dq = g.create(Symbol.fromQualString("aten::dequantize"), new ValueVector(conv.output()), 1);
        g.insertNode(dq);
        dq.output().setType(new Type.TypePtr(TensorType.get()));
        ret.replaceInput(0, dq.output());
        g.lint();
        m.eval();
        if (note == null) {
            m.save(file.toString());
        } else {
            org.bytedeco.pytorch.ExtraFilesMap extra = new org.bytedeco.pytorch.ExtraFilesMap();
            extra.put(new org.bytedeco.javacpp.BytePointer("edgetorch_quantization.json"), note);
            m.save(file.toString(), extra);
        }
        return file;
    }

    private static IValue intList(long... v) {
        org.bytedeco.pytorch.GenericList l = new org.bytedeco.pytorch.GenericList(new Type.TypePtr(IntType.getIntTypePtr().get()));
        for (long x : v) l.push_back(new IValue(x));
        return new IValue(l);
    }
}
