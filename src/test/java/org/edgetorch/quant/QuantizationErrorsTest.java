package org.edgetorch.quant;

import org.bytedeco.pytorch.JitModule;
import org.edgetorch.TestSupport;
import org.edgetorch.backend.Backends;
import org.edgetorch.tensor.FloatTensor;
import org.edgetorch.util.UserError;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Random;

import static org.junit.jupiter.api.Assertions.*;

/** Every refusal is one clear UserError, and nothing is written. */
class QuantizationErrorsTest {
    @TempDir
    Path dir;

    @BeforeAll
    static void libtorch() {
        TestSupport.libtorch();
    }

    static List<FloatTensor> images(int n, int size) {
        Random r = new Random(4);
        return java.util.stream.IntStream.range(0, n)
                .mapToObj(i -> new FloatTensor(new long[]{1, 3, size, size}, QuantTestModels.gaussian(r, 3 * size * size, 0, 1)))
                .toList();
    }

    @Test
    void unsupportedOpIsNamedWithItsPlace() {
        Path in = dir.resolve("exp.pt"), out = dir.resolve("out.pt");
        QuantTestModels.withExp(in);
        UserError e = assertThrows(UserError.class, () -> Quantizer.quantizeStatic(in, out, "qnnpack", images(2, 8), ObserverKind.MINMAX));
        assertTrue(e.getMessage().contains("unsupported operation aten::exp"), e.getMessage());
        assertTrue(e.getMessage().contains("op #2"), "where: " + e.getMessage());
        assertTrue(e.getMessage().contains("supported: aten::conv2d"), e.getMessage());
        assertFalse(Files.exists(out));
    }

    @Test
    void engineThePlatformLacksListsTheSupportedOnes() {
        Path in = dir.resolve("small.pt"), out = dir.resolve("out.pt");
        QuantTestModels.smallCnn(in, 1);
        UserError e = assertThrows(UserError.class, () -> Quantizer.quantizeStatic(in, out, "xnnpack", images(1, 16), ObserverKind.MINMAX));
        assertTrue(e.getMessage().startsWith("quantized engine 'xnnpack' is not available"), e.getMessage());
        for (String have : Backends.get().quantizedEngines()) assertTrue(e.getMessage().contains(have), e.getMessage());
        assertFalse(Files.exists(out));
        UserError d = assertThrows(UserError.class, () -> Quantizer.quantizeDynamic(in, out, "mkldnn"));
        assertTrue(d.getMessage().contains("supported:"), d.getMessage());
        assertFalse(Files.exists(out));
    }

    @Test
    void batchNormWithoutAConvolutionBeforeItIsRefused() {
        Path in = dir.resolve("bn.pt"), out = dir.resolve("out.pt");
        JitModule m = QuantTestModels.module("LoneBatchNorm");
        m.register_buffer("g", QuantTestModels.tensor(new float[]{1, 1, 1}, 3));
        m.register_buffer("b", QuantTestModels.tensor(new float[]{0, 0, 0}, 3));
        m.define("""
                def forward(self, x: Tensor) -> Tensor:
                    return torch.batch_norm(x, self.g, self.b, self.b, self.g, False, 0.1, 1e-5, False)
                """);
        m.save(in.toString());
        UserError e = assertThrows(UserError.class, () -> Quantizer.quantizeStatic(in, out, "qnnpack", images(1, 8), ObserverKind.MINMAX));
        assertTrue(e.getMessage().contains("batch_norm at op #1"), e.getMessage());
        assertFalse(Files.exists(out));
    }

    @Test
    void inPlaceOpOnASharedTensorIsRefused() {
        Path in = dir.resolve("inplace.pt"), out = dir.resolve("out.pt");
        JitModule m = QuantTestModels.module("InPlace");
        m.register_parameter("w", QuantTestModels.tensor(QuantTestModels.gaussian(new Random(1), 3 * 3 * 9, 0, 0.3), 3, 3, 3, 3), false);
        m.define("""
                def forward(self, x: Tensor) -> Tensor:
                    y = torch.conv2d(x, self.w, None, [1, 1], [1, 1], [1, 1], 1)
                    z = torch.relu_(y)
                    return torch.add(y, z)
                """);
        m.save(in.toString());
        UserError e = assertThrows(UserError.class, () -> Quantizer.quantizeStatic(in, out, "qnnpack", images(1, 8), ObserverKind.MINMAX));
        assertTrue(e.getMessage().contains("aten::relu_") && e.getMessage().contains("also used elsewhere"), e.getMessage());
        assertFalse(Files.exists(out));
    }

    @Test
    void badCalibrationAndModelsWithoutLinearLayers() {
        Path in = dir.resolve("small.pt"), out = dir.resolve("out.pt");
        QuantTestModels.smallCnn(in, 1);
        assertThrows(UserError.class, () -> Quantizer.quantizeStatic(in, out, "qnnpack", List.of(), ObserverKind.MINMAX));
        UserError shape = assertThrows(UserError.class, () -> Quantizer.quantizeStatic(in, out, "qnnpack",
                List.of(new FloatTensor(new long[]{3, 4}, new float[12])), ObserverKind.MINMAX));
        assertTrue(shape.getMessage().contains("[3, 4]"), shape.getMessage());
        UserError channels = assertThrows(UserError.class, () -> Quantizer.quantizeStatic(in, out, "qnnpack",
                List.of(new FloatTensor(new long[]{1, 5, 8, 8}, new float[320])), ObserverKind.MINMAX));
        assertTrue(channels.getMessage().contains("forward failed"), channels.getMessage());
        Path noLinear = dir.resolve("exp.pt");
        QuantTestModels.withExp(noLinear);
        UserError dyn = assertThrows(UserError.class, () -> Quantizer.quantizeDynamic(noLinear, out));
        assertTrue(dyn.getMessage().contains("no aten::linear"), dyn.getMessage());
        assertFalse(Files.exists(out));
        UserError missing = assertThrows(UserError.class, () -> Quantizer.quantizeDynamic(dir.resolve("nope.pt"), out));
        assertTrue(missing.getMessage().contains("no such file"), missing.getMessage());
    }
}
