package org.edgetorch.jit;

import org.bytedeco.pytorch.Tensor;
import org.edgetorch.TestSupport;
import org.edgetorch.backend.Backends;
import org.edgetorch.runtime.Model;
import org.edgetorch.nn.Architecture;
import org.edgetorch.nn.MobileNetV2;
import org.edgetorch.nn.Ops;
import org.edgetorch.nn.ResNet18;
import org.edgetorch.nn.TensorSpec;
import org.edgetorch.nn.TorchvisionModel;
import org.edgetorch.tensor.Agreement;
import org.edgetorch.tensor.FloatTensor;
import org.edgetorch.util.UserError;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.random.RandomGenerator;

import static org.junit.jupiter.api.Assertions.*;

class TracerTest {
    @TempDir
    Path dir;

    @BeforeAll
    static void load() {
        TestSupport.libtorch();
    }

    @Test
    void tracedMobileNetV2EqualsEagerAndReloadsWithOtherBatchSizes() {
        Path file = checkRoundTrip(TorchvisionModel.seeded(new MobileNetV2(), 1), 153);
        // what torch.jit.trace records for torchvision's mobilenet_v2, as LibTorch's serializer writes it
        String code = forwardCode(file);
        assertTrue(code.contains("torch._convolution("), code);
        assertTrue(code.contains("torch.hardtanh_("), "ReLU6(inplace=True) is traced in place");
        assertFalse(code.contains("torch.hardtanh(") || code.contains("torch.conv2d("), code);
    }

    /** The Python-like code of the saved module (code/__torch__*.py inside the zip). */
    private static String forwardCode(Path file) {
        StringBuilder b = new StringBuilder();
        try (java.util.zip.ZipFile zip = new java.util.zip.ZipFile(file.toFile())) {
            for (var e : java.util.Collections.list(zip.entries())) {
                if (e.getName().contains("/code/") && e.getName().endsWith(".py")) {
                    b.append(new String(zip.getInputStream(e).readAllBytes(), java.nio.charset.StandardCharsets.UTF_8));
                }
            }
        } catch (java.io.IOException e) {
            throw new java.io.UncheckedIOException(e);
        }
        return b.toString();
    }

    @Test
    void tracedResNet18EqualsEagerAndReloads() {
        Path file = checkRoundTrip(TorchvisionModel.seeded(new ResNet18(), 1), 69);
        assertTrue(forwardCode(file).contains("torch.relu_("), "ReLU(inplace=True) is traced in place");
    }

    private Path checkRoundTrip(TorchvisionModel model, int expectedOps) {
        Path file = dir.resolve(model.architecture().name() + ".pt");
        TorchScriptExport.Result r = TorchScriptExport.export(model, file);
        assertEquals(expectedOps, r.recordedOps());
        assertTrue(Files.exists(file));
        FloatTensor batch3 = ImageBatch.random(3, 40, 96);
        try (Model loaded = Backends.get().load(file)) {
            Agreement a = Agreement.of(model.forward(batch3), loaded.forward(batch3));
            assertEquals(0.0, a.maxAbsDiff(), 1e-5, "traced file must reproduce eager on a batch of 3 at 96x96");
            assertEquals(1.0, a.top1());
        }
        return file;
    }

    @Test
    void anOpOutsideTheTracersVocabularyStopsWithItsName() {
        Architecture withHardswish = new Architecture() {
            final MobileNetV2 base = new MobileNetV2();

            @Override
            public String name() {
                return "hardswish_net";
            }

            @Override
            public List<TensorSpec> stateDictSpec() {
                return base.stateDictSpec();
            }

            @Override
            public Tensor forward(Ops ops, Tensor x) {
                return ops.hardswish(ops.conv2d(x, "features.0.0", false, 2, 1, 1));
            }

            @Override
            public float[] initialize(TensorSpec spec, RandomGenerator rng) {
                return base.initialize(spec, rng);
            }
        };
        TorchvisionModel m = TorchvisionModel.seeded(withHardswish, 0);
        UserError e = assertThrows(UserError.class, () -> TorchScriptExport.export(m, dir.resolve("x.pt")));
        assertTrue(e.getMessage().contains("aten::hardswish"), e.getMessage());
        assertFalse(Files.exists(dir.resolve("x.pt")), "nothing is written when tracing fails");
    }

    /** Seeded random NCHW batches for tests. */
    static final class ImageBatch {
        static FloatTensor random(int n, long seed, int size) {
            java.util.SplittableRandom rng = new java.util.SplittableRandom(seed);
            float[] d = new float[n * 3 * size * size];
            for (int i = 0; i < d.length; i++) d[i] = (float) rng.nextGaussian();
            return new FloatTensor(new long[]{n, 3, size, size}, d);
        }
    }
}
