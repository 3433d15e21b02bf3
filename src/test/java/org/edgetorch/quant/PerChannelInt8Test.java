package org.edgetorch.quant;

import org.bytedeco.javacpp.PointerScope;
import org.bytedeco.pytorch.Tensor;
import org.bytedeco.pytorch.global.torch;
import org.edgetorch.TestSupport;
import org.edgetorch.graph.PerChannelInt8;
import org.edgetorch.tensor.FloatTensor;
import org.edgetorch.tensor.Tensors;
import org.junit.jupiter.api.Test;

import java.util.Random;

import static org.junit.jupiter.api.Assertions.*;

/** The pure-Java per-channel int8 weights (ONNX's) against LibTorch's quantize_per_channel (the INT8 .pt files'). */
class PerChannelInt8Test {

    @Test
    void agreesWithLibTorchQuantizePerChannel() {
        TestSupport.libtorch();
        Random r = new Random(11);
        for (long[] shape : new long[][]{{32, 16, 3, 3}, {8, 1, 3, 3}, {10, 1280}, {4, 3, 1, 1}}) {
            int n = 1;
            for (long d : shape) n *= (int) d;
            float[] w = QuantTestModels.gaussian(r, n, 0, 0.3);
            // a channel of zeros (scale clamps to eps) and values on exact half steps of the scale
            int per = n / (int) shape[0];
            for (int i = 0; i < per; i++) w[i] = 0;
            w[per] = 1.275f;
            w[per + 1] = 0.005f;
            w[per + 2] = -0.015f;
            FloatTensor t = new FloatTensor(shape, w);
            PerChannelInt8 mine = PerChannelInt8.of(t);
            try (PointerScope scope = new PointerScope()) {
                Tensor q = WeightQuantizer.perChannel(Tensors.toTorch(t));
                Tensor ints = q.int_repr().to(torch.ScalarType.Int).contiguous();
                Tensor scales = q.q_per_channel_scales().to(torch.ScalarType.Double).contiguous();
                int[] expected = new int[n];
                new org.bytedeco.javacpp.IntPointer(ints.data_ptr_int()).capacity(n).get(expected);
                double[] expectedScales = new double[(int) shape[0]];
                new org.bytedeco.javacpp.DoublePointer(scales.data_ptr_double()).capacity(expectedScales.length).get(expectedScales);
                assertArrayEquals(expectedScales, mine.scales(), 0, "scales of " + t.shapeString());
                for (int i = 0; i < n; i++) assertEquals(expected[i], mine.values()[i], "value " + i + " of " + t.shapeString());
            }
        }
    }

    @Test
    void handComputed() {
        // binary-exact values: channel 0 max |w| 7.96875 = 127.5 / 16 -> scale 1/16; channel 1 all zero -> scale eps
        PerChannelInt8 q = PerChannelInt8.of(new FloatTensor(new long[]{2, 5},
                new float[]{7.96875f, -7.96875f, 0.09375f, 0.15625f, -0.03125f, 0, 0, 0, 0, 0}));
        assertEquals(0.0625, q.scales()[0], 0);
        assertEquals(org.edgetorch.graph.QParams.EPS, q.scales()[1], 0);
        // 127.5 -> 128 -> clamped 127; -127.5 -> -128; 1.5 -> 2, 2.5 -> 2, -0.5 -> 0 (half to even)
        assertArrayEquals(new byte[]{127, -128, 2, 2, 0, 0, 0, 0, 0, 0}, q.values());
    }
}
