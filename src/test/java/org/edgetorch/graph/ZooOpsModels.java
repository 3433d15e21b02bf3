package org.edgetorch.graph;

import org.bytedeco.pytorch.JitModule;
import org.edgetorch.quant.QuantTestModels;

import java.nio.file.Path;
import java.util.Random;

import static org.edgetorch.quant.QuantTestModels.gaussian;
import static org.edgetorch.quant.QuantTestModels.tensor;

/**
 * Small FP32 TorchScript models with the ops of the model zoo, spelled as torchvision's modules trace them;
 * every consumer of the model graph (float interpreter, LibTorch INT8 emitter, ONNX and TFLite writers) is
 * tested on them. Both take [N, 3, 16, 16] images.
 */
public final class ZooOpsModels {
    public static final long[] INPUT = {1, 3, 16, 16};

    private ZooOpsModels() {
    }

    /**
     * MobileNet-V3 / EfficientNet style: conv + hardswish, a squeeze-and-excitation gate (mean, conv, relu,
     * conv, hardsigmoid, mul), conv + silu, a sigmoid-gated product, mean over H and W, linear.
     */
    public static void squeezeExcite(Path file, long seed) {
        Random r = new Random(seed);
        JitModule m = QuantTestModels.module("SqueezeExcite");
        m.register_parameter("c1_w", tensor(gaussian(r, 8 * 3 * 9, 0, 0.3), 8, 3, 3, 3), false);
        m.register_parameter("c1_b", tensor(gaussian(r, 8, 0, 0.2), 8), false);
        m.register_parameter("se1_w", tensor(gaussian(r, 4 * 8, 0, 0.4), 4, 8, 1, 1), false);
        m.register_parameter("se1_b", tensor(gaussian(r, 4, 0.1, 0.1), 4), false);
        m.register_parameter("se2_w", tensor(gaussian(r, 8 * 4, 0, 0.4), 8, 4, 1, 1), false);
        m.register_parameter("se2_b", tensor(gaussian(r, 8, 0, 0.5), 8), false);
        m.register_parameter("c2_w", tensor(gaussian(r, 12 * 8, 0, 0.4), 12, 8, 1, 1), false);
        m.register_parameter("c2_b", tensor(gaussian(r, 12, 0, 0.2), 12), false);
        m.register_parameter("g_w", tensor(gaussian(r, 12 * 12, 0, 0.3), 12, 12, 1, 1), false);
        m.register_parameter("fc_w", tensor(gaussian(r, 5 * 12, 0, 0.5), 5, 12), false);
        m.register_parameter("fc_b", tensor(gaussian(r, 5, 0, 0.1), 5), false);
        m.define("""
                def forward(self, x: Tensor) -> Tensor:
                    y = torch.conv2d(x, self.c1_w, self.c1_b, [2, 2], [1, 1], [1, 1], 1)
                    y = torch.hardswish_(y)
                    s = torch.mean(y, [2, 3], True)
                    s = torch.relu(torch.conv2d(s, self.se1_w, self.se1_b, [1, 1], [0, 0], [1, 1], 1))
                    s = torch.hardsigmoid(torch.conv2d(s, self.se2_w, self.se2_b, [1, 1], [0, 0], [1, 1], 1))
                    y = torch.mul(s, y)
                    y = torch.conv2d(y, self.c2_w, self.c2_b, [1, 1], [0, 0], [1, 1], 1)
                    y = torch.silu_(y)
                    g = torch.sigmoid(torch.conv2d(y, self.g_w, None, [1, 1], [0, 0], [1, 1], 1))
                    y = torch.mul(y, g)
                    y = torch.mean(y, [-1, -2], False)
                    return torch.linear(y, self.fc_w, self.fc_b)
                """);
        m.save(file.toString());
    }

    /**
     * ShuffleNet-V2 / SqueezeNet style: conv + relu, max pool with ceil_mode, chunk into two halves, a branch
     * on one, cat, a channel shuffle (view to 5-D with sizes computed from x.size(), transpose, contiguous,
     * view back), a split into unequal parts, slicing, average pool, flatten through view(size(0), -1), linear.
     */
    public static void channelShuffle(Path file, long seed) {
        Random r = new Random(seed);
        JitModule m = QuantTestModels.module("ChannelShuffle");
        m.register_parameter("c1_w", tensor(gaussian(r, 8 * 3 * 9, 0, 0.3), 8, 3, 3, 3), false);
        m.register_parameter("c1_b", tensor(gaussian(r, 8, 0.1, 0.2), 8), false);
        m.register_parameter("b_w", tensor(gaussian(r, 4 * 4, 0, 0.4), 4, 4, 1, 1), false);
        m.register_parameter("b_b", tensor(gaussian(r, 4, 0.1, 0.2), 4), false);
        m.register_parameter("fc_w", tensor(gaussian(r, 6 * 128, 0, 0.3), 6, 128), false);
        m.register_parameter("fc_b", tensor(gaussian(r, 6, 0, 0.1), 6), false);
        m.define("""
                def forward(self, x: Tensor) -> Tensor:
                    y = torch.relu_(torch.conv2d(x, self.c1_w, self.c1_b, [1, 1], [1, 1], [1, 1], 1))
                    y = torch.max_pool2d(y, [3, 3], [2, 2], [0, 0], [1, 1], True)
                    a, b = torch.chunk(y, 2, 1)
                    b = torch.relu(torch.conv2d(b, self.b_w, self.b_b, [1, 1], [0, 0], [1, 1], 1))
                    y = torch.cat([a, b], 1)
                    n = y.size(0)
                    c = y.size(1)
                    h = y.size(2)
                    w = y.size(3)
                    y = y.view([n, 2, c // 2, h, w])
                    y = torch.transpose(y, 1, 2).contiguous()
                    y = y.view([n, -1, h, w])
                    p, q = torch.split(y, [3, 5], 1)
                    y = torch.cat([q, p], 1)
                    y = torch.avg_pool2d(y, [2, 2], [2, 2], [0, 0], False, True, None)
                    y = y.view([y.size(0), -1])
                    return torch.linear(y, self.fc_w, self.fc_b)
                """);
        m.save(file.toString());
    }
}
