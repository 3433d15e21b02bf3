package org.edgetorch.nn;

import org.bytedeco.pytorch.Tensor;
import org.edgetorch.TestSupport;
import org.edgetorch.tensor.Tensors;
import org.edgetorch.util.UserError;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.random.RandomGenerator;

import static org.junit.jupiter.api.Assertions.*;

/** Reads a real torch.save'd state dict (see bench/make_test_state_dict.py) with LibTorch's unpickler. */
class TorchvisionWeightsTest {
    @TempDir
    Path dir;

    /** conv (4,3,3,3) no bias, BatchNorm(4), Linear(4 → 10): the fixture's module. */
    static final class Tiny implements Architecture {
        private final int linearIn;

        Tiny(int linearIn) {
            this.linearIn = linearIn;
        }

        @Override
        public String name() {
            return "tiny";
        }

        @Override
        public List<TensorSpec> stateDictSpec() {
            return new SpecBuilder().conv("conv", 4, 3, 3, false).batchNorm("bn", 4).linear("fc", 10, linearIn).build();
        }

        @Override
        public Tensor forward(Ops ops, Tensor x) {
            throw new UnsupportedOperationException();
        }

        @Override
        public float[] initialize(TensorSpec spec, RandomGenerator rng) {
            throw new UnsupportedOperationException();
        }
    }

    @BeforeAll
    static void load() {
        TestSupport.libtorch();
    }

    private Path fixture() throws IOException {
        Path p = dir.resolve("tiny.pth");
        try (InputStream in = getClass().getResourceAsStream("tiny_state_dict.pth")) {
            Files.copy(in, p);
        }
        return p;
    }

    @Test
    void readsEveryTensorWithItsValues() throws IOException {
        StateDict sd = TorchvisionWeights.load(fixture(), new Tiny(4));
        assertEquals(8, sd.size());
        float[] conv = Tensors.fromTorch(sd.get("conv.weight")).data();
        assertEquals(108, conv.length);
        for (int i = 0; i < conv.length; i++) assertEquals(i * 0.01f, conv[i], 1e-6);
        float[] fcBias = Tensors.fromTorch(sd.get("fc.bias")).data();
        assertEquals(0.09f, fcBias[9], 1e-6);
        assertEquals(7L, sd.get("bn.num_batches_tracked").item_long());
    }

    @Test
    void listsMisShapedKeys() throws IOException {
        UserError e = assertThrows(UserError.class, () -> TorchvisionWeights.load(fixture(), new Tiny(8)));
        assertTrue(e.getMessage().contains("mis-shaped 1 [fc.weight [10, 4] (expected [10, 8])]"), e.getMessage());
    }

    @Test
    void listsMissingAndUnexpectedKeys() throws IOException {
        UserError e = assertThrows(UserError.class, () -> TorchvisionWeights.load(fixture(), new MobileNetV2()));
        assertTrue(e.getMessage().contains("missing 314"), e.getMessage());
        assertTrue(e.getMessage().contains("unexpected 8 [conv.weight"), e.getMessage());
    }

    @Test
    void truncatedEmptyAndForeignFilesAreUserErrors() throws IOException {
        byte[] whole = Files.readAllBytes(fixture());
        Path truncated = dir.resolve("truncated.pth");
        Files.write(truncated, java.util.Arrays.copyOf(whole, whole.length / 2));
        Path empty = Files.createFile(dir.resolve("empty.pth"));
        Path text = Files.writeString(dir.resolve("text.pth"), "not a state dict");
        for (Path p : List.of(truncated, empty, text, dir.resolve("missing.pth"))) {
            UserError e = assertThrows(UserError.class, () -> TorchvisionWeights.load(p, new Tiny(4)), p.toString());
            assertTrue(e.getMessage().startsWith(p.toString()), e.getMessage());
        }
    }
}
