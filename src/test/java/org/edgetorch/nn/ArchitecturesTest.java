package org.edgetorch.nn;

import org.edgetorch.TestSupport;
import org.edgetorch.tensor.FloatTensor;
import org.edgetorch.util.UserError;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import java.util.Arrays;
import java.util.List;

import static org.junit.jupiter.api.Assertions.*;

class ArchitecturesTest {
    @BeforeAll
    static void load() {
        TestSupport.libtorch();
    }

    @Test
    void mobileNetV2HasTorchvisionsLayout() {
        Architecture a = new MobileNetV2();
        assertEquals(3_504_872, a.parameterCount());
        List<TensorSpec> s = a.stateDictSpec();
        assertEquals(314, s.size());
        assertEquals("features.0.0.weight", s.get(0).name());
        assertArrayEquals(new long[]{32, 3, 3, 3}, s.get(0).shape());
        assertEquals("classifier.1.bias", s.get(s.size() - 1).name());
        TensorSpec dw = s.stream().filter(t -> t.name().equals("features.2.conv.1.0.weight")).findFirst().orElseThrow();
        assertArrayEquals(new long[]{96, 1, 3, 3}, dw.shape(), "depthwise conv of block 2");
        assertTrue(s.stream().anyMatch(t -> t.name().equals("features.18.1.num_batches_tracked")));
    }

    @Test
    void resNet18HasTorchvisionsLayout() {
        Architecture a = new ResNet18();
        assertEquals(11_689_512, a.parameterCount());
        assertTrue(a.stateDictSpec().stream().anyMatch(t -> t.name().equals("layer2.0.downsample.0.weight")));
        assertFalse(a.stateDictSpec().stream().anyMatch(t -> t.name().equals("layer1.0.downsample.0.weight")));
    }

    @Test
    void seededInitIsDeterministicAndFollowsTorchvisionsScheme() {
        TorchvisionModel a = TorchvisionModel.seeded(new MobileNetV2(), 3);
        TorchvisionModel b = TorchvisionModel.seeded(new MobileNetV2(), 3);
        TorchvisionModel c = TorchvisionModel.seeded(new MobileNetV2(), 4);
        float[] wa = FloatTensorOf(a, "features.0.0.weight"), wb = FloatTensorOf(b, "features.0.0.weight");
        assertArrayEquals(wa, wb);
        assertFalse(Arrays.equals(wa, FloatTensorOf(c, "features.0.0.weight")));
        // kaiming_normal fan_out: std = sqrt(2 / (32 * 3 * 3)) = 0.0833
        double var = 0;
        for (float v : wa) var += v * v;
        assertEquals(Math.sqrt(2.0 / (32 * 9)), Math.sqrt(var / wa.length), 0.01);
        float[] bnWeight = FloatTensorOf(a, "features.0.1.weight");
        for (float v : bnWeight) assertEquals(1f, v);
    }

    @Test
    void eagerForwardGivesLogitsPerImage() {
        TorchvisionModel m = TorchvisionModel.seeded(new MobileNetV2(), 0);
        FloatTensor out = m.forward(new FloatTensor(new long[]{2, 3, 64, 64}, new float[2 * 3 * 64 * 64]));
        assertArrayEquals(new long[]{2, 1000}, out.shape());
    }

    @Test
    void batchNormReestimationSpreadsUntrainedLogits() {
        TorchvisionModel m = TorchvisionModel.seeded(new MobileNetV2(), 0);
        FloatTensor x = org.edgetorch.jit.TorchScriptExport.exampleInput(5);
        double before = maxAbs(m.forward(x));
        BatchNormReestimation.run(m, List.of(org.edgetorch.jit.TorchScriptExport.exampleInput(6),
                org.edgetorch.jit.TorchScriptExport.exampleInput(7)));
        double after = maxAbs(m.forward(x));
        assertTrue(before < 1e-6, "plain torchvision init collapses MobileNet-V2's logits, got " + before);
        assertTrue(after > 1e-2, "re-estimated statistics must spread the logits, got " + after);
        assertEquals(1L, m.weights().get("features.0.1.num_batches_tracked").item_long());
    }

    @Test
    void rejectsWrongInputShapesBeforeLibTorch() {
        TorchvisionModel m = TorchvisionModel.seeded(new MobileNetV2(), 0);
        UserError e = assertThrows(UserError.class, () -> m.forward(new FloatTensor(new long[]{1, 1, 64, 64}, new float[64 * 64])));
        assertTrue(e.getMessage().contains("[N, 3, H, W]"));
    }

    @Test
    void unknownArchitectureIsAUserError() {
        assertThrows(UserError.class, () -> Architectures.byName("vgg16"));
    }

    private static float[] FloatTensorOf(TorchvisionModel m, String name) {
        return org.edgetorch.tensor.Tensors.fromTorch(m.weights().get(name)).data();
    }

    private static double maxAbs(FloatTensor t) {
        double m = 0;
        for (float v : t.data()) m = Math.max(m, Math.abs(v));
        return m;
    }
}
