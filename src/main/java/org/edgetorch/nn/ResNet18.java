package org.edgetorch.nn;

import org.bytedeco.pytorch.Tensor;

import java.util.List;
import java.util.random.RandomGenerator;

/**
 * torchvision's resnet18 (BasicBlock, [2, 2, 2, 2]); 11,689,512 parameters. It proves the tracer and the
 * quantizer are general: max-pooling, ReLU, residual adds with downsampling, a Linear with bias.
 */
public final class ResNet18 implements Architecture {
    private static final int[] PLANES = {64, 128, 256, 512};
    private static final int BLOCKS_PER_LAYER = 2;
    private static final int NUM_CLASSES = 1000;

    private final List<TensorSpec> spec;

    public ResNet18() {
        SpecBuilder b = new SpecBuilder();
        b.conv("conv1", 64, 3, 7, false).batchNorm("bn1", 64);
        int in = 64;
        for (int layer = 0; layer < PLANES.length; layer++) {
            int planes = PLANES[layer];
            for (int i = 0; i < BLOCKS_PER_LAYER; i++) {
                String p = "layer" + (layer + 1) + "." + i;
                int stride = i == 0 && layer > 0 ? 2 : 1;
                b.conv(p + ".conv1", planes, in, 3, false).batchNorm(p + ".bn1", planes);
                b.conv(p + ".conv2", planes, planes, 3, false).batchNorm(p + ".bn2", planes);
                if (stride != 1 || in != planes) {
                    b.conv(p + ".downsample.0", planes, in, 1, false).batchNorm(p + ".downsample.1", planes);
                }
                in = planes;
            }
        }
        b.linear("fc", NUM_CLASSES, 512);
        spec = b.build();
    }

    @Override
    public String name() {
        return "resnet18";
    }

    @Override
    public List<TensorSpec> stateDictSpec() {
        return spec;
    }

    @Override
    public Tensor forward(Ops ops, Tensor x) {
        x = ops.relu(ops.batchNorm(ops.conv2d(x, "conv1", false, 2, 3, 1), "bn1"));
        x = ops.maxPool2d(x, 3, 2, 1);
        int in = 64;
        for (int layer = 0; layer < PLANES.length; layer++) {
            int planes = PLANES[layer];
            for (int i = 0; i < BLOCKS_PER_LAYER; i++) {
                String p = "layer" + (layer + 1) + "." + i;
                int stride = i == 0 && layer > 0 ? 2 : 1;
                Tensor identity = x;
                Tensor y = ops.relu(ops.batchNorm(ops.conv2d(x, p + ".conv1", false, stride, 1, 1), p + ".bn1"));
                y = ops.batchNorm(ops.conv2d(y, p + ".conv2", false, 1, 1, 1), p + ".bn2");
                if (stride != 1 || in != planes) {
                    identity = ops.batchNorm(ops.conv2d(x, p + ".downsample.0", false, stride, 0, 1), p + ".downsample.1");
                }
                x = ops.relu(ops.add(y, identity));
                in = planes;
            }
        }
        x = ops.adaptiveAvgPool2d(x, 1);
        x = ops.flatten(x, 1);
        return ops.linear(x, "fc");
    }

    @Override
    public float[] initialize(TensorSpec s, RandomGenerator rng) {
        if (s.name().startsWith("fc.")) return Init.uniform(s, 1 / Math.sqrt(512), rng);
        if (s.shape().length == 4) return Init.kaimingNormalFanOut(s, rng);
        return Init.batchNorm(s);
    }
}
