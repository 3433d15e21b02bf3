package org.edgetorch.quant;

import org.bytedeco.javacpp.FloatPointer;
import org.bytedeco.pytorch.CompilationUnit;
import org.bytedeco.pytorch.JitModule;
import org.bytedeco.pytorch.QualifiedName;
import org.bytedeco.pytorch.Tensor;
import org.bytedeco.pytorch.global.torch;
import org.edgetorch.tensor.FloatTensor;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;

/** Small FP32 TorchScript models made in the test with JitModule.define on registered parameters. */
public final class QuantTestModels {
    private QuantTestModels() {
    }

    /** Gaussian values scaled by {@code std}, seeded: the test can recompute anything from them. */
    public static float[] gaussian(Random r, int n, double mean, double std) {
        float[] v = new float[n];
        for (int i = 0; i < n; i++) v[i] = (float) (mean + std * r.nextGaussian());
        return v;
    }

    public static Tensor tensor(float[] data, long... shape) {
        try (FloatPointer p = new FloatPointer(data)) {
            return torch.from_blob(p, shape).clone();
        }
    }

    public static JitModule module(String name) {
        return new JitModule(new QualifiedName("__torch__.edgetorch.test." + name), new CompilationUnit(), true);
    }

    /** One conv (2→3 channels, 3x3, padding 1, bias) + ReLU, flatten, one linear (48→4): the hand-checked model. */
    record ConvLinear(float[] convW, float[] convB, float[] linW, float[] linB) {
        static final int IN_C = 2, OUT_C = 3, H = 4, W = 4, K = 3, FEATURES = OUT_C * H * W, CLASSES = 4;

        static ConvLinear random(long seed) {
            Random r = new Random(seed);
            return new ConvLinear(gaussian(r, OUT_C * IN_C * K * K, 0, 0.4), gaussian(r, OUT_C, 0.1, 0.2),
                    gaussian(r, CLASSES * FEATURES, 0, 0.15), gaussian(r, CLASSES, 0, 0.1));
        }

        void save(Path file) {
            JitModule m = module("ConvLinear");
            m.register_parameter("conv_w", tensor(convW, OUT_C, IN_C, K, K), false);
            m.register_parameter("conv_b", tensor(convB, OUT_C), false);
            m.register_parameter("lin_w", tensor(linW, CLASSES, FEATURES), false);
            m.register_parameter("lin_b", tensor(linB, CLASSES), false);
            m.define("""
                    def forward(self, x: Tensor) -> Tensor:
                        y = torch.conv2d(x, self.conv_w, self.conv_b, [1, 1], [1, 1], [1, 1], 1)
                        y = torch.relu(y)
                        y = torch.flatten(y, 1, -1)
                        return torch.linear(y, self.lin_w, self.lin_b)
                    """);
            m.save(file.toString());
        }

        static List<FloatTensor> inputs(long seed, int n) {
            Random r = new Random(seed);
            List<FloatTensor> out = new ArrayList<>();
            for (int i = 0; i < n; i++) out.add(new FloatTensor(new long[]{1, IN_C, H, W}, gaussian(r, IN_C * H * W, 0, 1)));
            return out;
        }
    }

    /**
     * A small CNN with everything static quantization handles: conv + BatchNorm + ReLU6 (hardtanh),
     * depthwise conv + BatchNorm, a residual add followed by ReLU, max pooling, adaptive average
     * pooling, flatten, dropout, linear. Takes [N, 3, H, W] images.
     */
    public static void smallCnn(Path file, long seed) {
        Random r = new Random(seed);
        int c = 8;
        JitModule m = module("SmallCnn");
        m.register_parameter("c1_w", tensor(gaussian(r, c * 3 * 3 * 3, 0, 0.3), c, 3, 3, 3), false);
        bn(m, "bn1", r, c);
        m.register_parameter("c2_w", tensor(gaussian(r, c * 9, 0, 0.4), c, 1, 3, 3), false);
        m.register_parameter("c2_b", tensor(gaussian(r, c, 0, 0.1), c), false);
        bn(m, "bn2", r, c);
        m.register_parameter("fc_w", tensor(gaussian(r, 10 * c, 0, 0.5), 10, c), false);
        m.register_parameter("fc_b", tensor(gaussian(r, 10, 0, 0.1), 10), false);
        m.define("""
                def forward(self, x: Tensor) -> Tensor:
                    y = torch.conv2d(x, self.c1_w, None, [2, 2], [1, 1], [1, 1], 1)
                    y = torch.batch_norm(y, self.bn1_w, self.bn1_b, self.bn1_m, self.bn1_v, False, 0.1, 1e-5, False)
                    y = torch.hardtanh(y, 0.0, 6.0)
                    z = torch.conv2d(y, self.c2_w, self.c2_b, [1, 1], [1, 1], [1, 1], 8)
                    z = torch.batch_norm(z, self.bn2_w, self.bn2_b, self.bn2_m, self.bn2_v, False, 0.1, 1e-5, False)
                    y = torch.relu(torch.add(y, z))
                    y = torch.max_pool2d(y, [2, 2], [2, 2], [0, 0], [1, 1], False)
                    y = torch.adaptive_avg_pool2d(y, [1, 1])
                    y = torch.flatten(y, 1, -1)
                    y = torch.dropout(y, 0.2, False)
                    return torch.linear(y, self.fc_w, self.fc_b)
                """);
        m.save(file.toString());
    }

    private static void bn(JitModule m, String p, Random r, int c) {
        m.register_buffer(p + "_w", tensor(gaussian(r, c, 1, 0.2), c));
        m.register_buffer(p + "_b", tensor(gaussian(r, c, 0, 0.2), c));
        m.register_buffer(p + "_m", tensor(gaussian(r, c, 0, 0.3), c));
        float[] var = gaussian(r, c, 0, 1);
        for (int i = 0; i < c; i++) var[i] = 0.5f + Math.abs(var[i]);
        m.register_buffer(p + "_v", tensor(var, c));
    }

    /** A convolution followed by a clamp whose interval excludes 0, which stays a standalone quantized clamp. */
    public static void convThenClamp(Path file) {
        Random r = new Random(8);
        JitModule m = module("ConvClamp");
        m.register_parameter("w", tensor(gaussian(r, 8 * 3 * 9, 0, 0.3), 8, 3, 3, 3), false);
        m.define("""
                def forward(self, x: Tensor) -> Tensor:
                    y = torch.conv2d(x, self.w, None, [1, 1], [1, 1], [1, 1], 1)
                    return torch.clamp(y, 0.25, 1.5)
                """);
        m.save(file.toString());
    }

    /** A model whose forward uses an op outside edgetorch's vocabulary (exp), after a convolution. */
    public static void withExp(Path file) {
        Random r = new Random(3);
        JitModule m = module("WithExp");
        m.register_parameter("w", tensor(gaussian(r, 4 * 3 * 9, 0, 0.3), 4, 3, 3, 3), false);
        m.define("""
                def forward(self, x: Tensor) -> Tensor:
                    y = torch.conv2d(x, self.w, None, [1, 1], [1, 1], [1, 1], 1)
                    return torch.exp(y)
                """);
        m.save(file.toString());
    }
}
