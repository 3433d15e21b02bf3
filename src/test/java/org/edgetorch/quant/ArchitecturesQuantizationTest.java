package org.edgetorch.quant;

import org.edgetorch.TestSupport;
import org.edgetorch.backend.Backends;
import org.edgetorch.runtime.Model;
import org.edgetorch.image.ImageInput;
import org.edgetorch.image.StudyImages;
import org.edgetorch.jit.TorchScriptExport;
import org.edgetorch.nn.BuiltInModels;
import org.edgetorch.tensor.Agreement;
import org.edgetorch.tensor.FloatTensor;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Path;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The toolkit's own traced MobileNet-V2 and ResNet-18 (seeded, BatchNorm re-estimated) quantize
 * statically, and MobileNet-V2 dynamically. Few calibration images keep this quick; the bounds are
 * loose (src/site/markdown/quantization.md has the full figures: an untrained MobileNet-V2 amplifies any
 * perturbation, so its INT8 SQNR is low even when every step is right).
 */
class ArchitecturesQuantizationTest {
    @TempDir
    static Path dir;
    static List<FloatTensor> calibration;
    static List<FloatTensor> heldOut;

    @BeforeAll
    static void setUp() {
        TestSupport.libtorch();
        calibration = StudyImages.calibration().subList(0, 4).stream().map(ImageInput::tensor).toList();
        heldOut = StudyImages.heldOut().subList(0, 3).stream().map(ImageInput::tensor).toList();
    }

    static Path export(String arch) {
        Path p = dir.resolve(arch + "_fp32.pt");
        TorchScriptExport.export(BuiltInModels.create(arch, null, 0), p);
        return p;
    }

    @Test
    void mobileNetV2StaticAndDynamic() {
        Path fp32 = export("mobilenet_v2");
        String engine = QuantizedModels.defaultStaticEngine(Backends.get());
        QuantizationResult s = Quantizer.quantizeStatic(fp32, dir.resolve("mnv2_int8.pt"), engine, calibration, ObserverKind.MINMAX);
        assertEquals(52, s.convs());
        assertEquals(1, s.linears());
        assertEquals(10, s.adds());
        assertEquals(35, s.fusedActivations(), "every ReLU6");
        assertTrue(s.outputBytes() < s.inputBytes() / 3.5, "int8 weights: " + s.outputBytes());
        Agreement a = fidelity(fp32, s.output());
        assertTrue(a.sqnrDb() > 6 && a.cosine() > 0.9, "static: " + a);

        QuantizationResult d = Quantizer.quantizeDynamic(fp32, dir.resolve("mnv2_dynamic.pt"));
        assertEquals(1, d.linears());
        // only the classifier (1280x1000) shrinks, from 4 bytes to 1 per weight
        long saved = d.inputBytes() - d.outputBytes();
        assertTrue(saved > 3_700_000 && saved < 4_100_000, "saved " + saved);
        Agreement b = fidelity(fp32, d.output());
        assertTrue(b.sqnrDb() > 30, "dynamic: " + b);
    }

    @Test
    void resNet18Static() {
        Path fp32 = export("resnet18");
        String engine = QuantizedModels.defaultStaticEngine(Backends.get());
        QuantizationResult s = Quantizer.quantizeStatic(fp32, dir.resolve("r18_int8.pt"), engine, calibration, ObserverKind.HISTOGRAM);
        assertEquals(20, s.convs());
        assertEquals(8, s.adds());
        Agreement a = fidelity(fp32, s.output());
        assertTrue(a.sqnrDb() > 18 && a.cosine() > 0.98, "static: " + a);
    }

    static Agreement fidelity(Path fp32, Path q) {
        try (Model r = org.edgetorch.runtime.Runtimes.load(fp32); Model m = org.edgetorch.runtime.Runtimes.load(q)) {
            Agreement a = Fidelity.compare(r, m, heldOut);
            System.out.println(q.getFileName() + ": " + a);
            return a;
        }
    }
}
