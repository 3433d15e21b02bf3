package org.edgetorch.nn;

import org.bytedeco.pytorch.Tensor;

import java.util.ArrayList;
import java.util.List;
import java.util.random.RandomGenerator;

/**
 * torchvision's mobilenet_v2 (width 1.0): the standard inverted-residual table, ReLU6, BatchNorm eps 1e-5,
 * Dropout 0.2, Linear 1280→1000; 3,504,872 parameters under torchvision's state-dict names.
 */
public final class MobileNetV2 implements Architecture {
    /** t (expansion), c (output channels), n (repeats), s (first stride): torchvision's table. */
    private static final int[][] INVERTED_RESIDUAL_SETTING = {
            {1, 16, 1, 1}, {6, 24, 2, 2}, {6, 32, 3, 2}, {6, 64, 4, 2}, {6, 96, 3, 1}, {6, 160, 3, 2}, {6, 320, 1, 1},
    };
    private static final int STEM_CHANNELS = 32;
    private static final int LAST_CHANNELS = 1280;
    private static final int NUM_CLASSES = 1000;
    private static final double DROPOUT = 0.2;

    /** One InvertedResidual at {@code features.<index>}. */
    private record Block(int index, int in, int out, int stride, int expand) {
        int hidden() {
            return in * expand;
        }

        boolean residual() {
            return stride == 1 && in == out;
        }

        String prefix() {
            return "features." + index + ".conv";
        }
    }

    private final List<Block> blocks = new ArrayList<>();
    private final List<TensorSpec> spec;

    public MobileNetV2() {
        int in = STEM_CHANNELS;
        int index = 1;
        for (int[] row : INVERTED_RESIDUAL_SETTING) {
            for (int i = 0; i < row[2]; i++) {
                blocks.add(new Block(index++, in, row[1], i == 0 ? row[3] : 1, row[0]));
                in = row[1];
            }
        }
        SpecBuilder b = new SpecBuilder();
        b.conv("features.0.0", STEM_CHANNELS, 3, 3, false).batchNorm("features.0.1", STEM_CHANNELS);
        for (Block blk : blocks) {
            String p = blk.prefix();
            int layer = 0;
            if (blk.expand() != 1) {
                b.conv(p + ".0.0", blk.hidden(), blk.in(), 1, false).batchNorm(p + ".0.1", blk.hidden());
                layer = 1;
            }
            b.conv(p + "." + layer + ".0", blk.hidden(), 1, 3, false).batchNorm(p + "." + layer + ".1", blk.hidden());
            b.conv(p + "." + (layer + 1), blk.out(), blk.hidden(), 1, false).batchNorm(p + "." + (layer + 2), blk.out());
        }
        String last = "features." + (blocks.size() + 1);
        b.conv(last + ".0", LAST_CHANNELS, in, 1, false).batchNorm(last + ".1", LAST_CHANNELS);
        b.linear("classifier.1", NUM_CLASSES, LAST_CHANNELS);
        spec = b.build();
    }

    @Override
    public String name() {
        return "mobilenet_v2";
    }

    @Override
    public List<TensorSpec> stateDictSpec() {
        return spec;
    }

    @Override
    public Tensor forward(Ops ops, Tensor x) {
        x = convBnRelu6(ops, x, "features.0", 2, 1);
        for (Block blk : blocks) {
            String p = blk.prefix();
            Tensor y = x;
            int layer = 0;
            if (blk.expand() != 1) {
                y = convBnRelu6(ops, y, p + ".0", 1, 1);
                layer = 1;
            }
            y = convBnRelu6(ops, y, p + "." + layer, blk.stride(), blk.hidden());
            y = ops.conv2d(y, p + "." + (layer + 1), false, 1, 0, 1);
            y = ops.batchNorm(y, p + "." + (layer + 2));
            x = blk.residual() ? ops.add(x, y) : y;
        }
        x = convBnRelu6(ops, x, "features." + (blocks.size() + 1), 1, 1);
        x = ops.adaptiveAvgPool2d(x, 1);
        x = ops.flatten(x, 1);
        x = ops.dropout(x, DROPOUT);
        return ops.linear(x, "classifier.1");
    }

    /** torchvision's Conv2dNormActivation: conv (no bias) → BatchNorm → ReLU6; 3×3 when depthwise or stem. */
    private static Tensor convBnRelu6(Ops ops, Tensor x, String prefix, int stride, int groups) {
        boolean threeByThree = groups > 1 || prefix.equals("features.0");
        x = ops.conv2d(x, prefix + ".0", false, stride, threeByThree ? 1 : 0, groups);
        x = ops.batchNorm(x, prefix + ".1");
        return ops.relu6(x);
    }

    @Override
    public float[] initialize(TensorSpec s, RandomGenerator rng) {
        if (s.name().startsWith("classifier.")) {
            return s.name().endsWith(".weight") ? Init.normal(s, 0, 0.01, rng) : Init.constant(s, 0f);
        }
        if (s.shape().length == 4) return Init.kaimingNormalFanOut(s, rng);
        return Init.batchNorm(s);
    }
}
