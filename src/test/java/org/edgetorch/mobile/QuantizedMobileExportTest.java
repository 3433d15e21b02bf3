package org.edgetorch.mobile;

import org.edgetorch.backend.Backends;
import org.edgetorch.runtime.Model;
import org.edgetorch.tensor.FloatTensor;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Path;
import java.util.List;

import static org.junit.jupiter.api.Assertions.*;

/** Quantized inputs: the engine's packed weights are kept (or packed once, at export) and hoisted out of forward. */
class QuantizedMobileExportTest {
    @TempDir
    static Path dir;

    static MobileOptions options() {
        return MobileOptions.defaults().withInputShape(TestModels.INPUT).withVerify(true, 3, 1e-5).withQuantizedEngine("qnnpack");
    }

    @BeforeAll
    static void engine() {
        Backends.get().setQuantizedEngine("qnnpack");
    }

    @Test
    void packedParamsAttributeBecomesAConstantAndForwardKeepsTheQuantizedKernel() {
        Path pt = TestModels.quantized(dir.resolve("q.pt"), false);
        Path ptl = dir.resolve("q.ptl");
        MobileExportResult r = MobileOptimizer.optimize(pt, ptl, options());
        assertEquals("int8", r.precision());
        assertEquals("qnnpack", r.quantizedEngine());
        assertEquals(1, r.opsAfter().get("quantized::conv2d_relu"), r.opsAfter().toString());
        assertFalse(r.opsAfter().containsKey("prim::GetAttr"), r.opsAfter().toString());
        assertEquals(1, r.packedObjects().get("__torch__.torch.classes.quantized.Conv2dPackedParamsBase"), r.packedObjects().toString());
        assertEquals(0, r.rewrites().prepackHoisted());
        assertEquals(0.0, r.verification().maxAbsDiff(), "same kernels, same packed weights: identical outputs");
        assertEquals(1, MobileArchive.read(ptl).operatorsWithPrefix("quantized::conv2d_relu"), "listed as quantized::conv2d_relu.new");
        assertTrue(MobileArchive.read(ptl).extraFiles().get(MobileOptimizer.METADATA_FILE).contains("\"engine\": \"qnnpack\""));
    }

    @Test
    void prepackInForwardIsRunOnceAtExport() {
        Path pt = TestModels.quantized(dir.resolve("qf.pt"), true);
        Path ptl = dir.resolve("qf.ptl");
        MobileExportResult r = MobileOptimizer.optimize(pt, ptl, options());
        assertEquals(1, r.rewrites().prepackHoisted());
        assertFalse(r.opsAfter().containsKey("quantized::conv2d_prepack"), r.opsAfter().toString());
        assertEquals(0, MobileArchive.read(ptl).operatorsWithPrefix("quantized::conv2d_prepack"));
        assertEquals(1, r.packedObjects().get("__torch__.torch.classes.quantized.Conv2dPackedParamsBase"));

        List<FloatTensor> inputs = MobileOptimizer.inputs(options().withSeed(5));
        try (Model a = Backends.get().load(pt); Model b = Backends.get().load(ptl)) {
            for (FloatTensor x : inputs) {
                OutputComparison c = OutputComparison.of(List.of(a.forward(x)), List.of(b.forward(x)));
                assertEquals(0.0, c.maxAbsDiff());
                assertTrue(c.maxAbsReference() > 0, "the relu output should not be all zeros");
            }
        }
    }

    @Test
    void engineComesFromTheQuantizersNoteWhichTravelsIntoThePtl() {
        Path pt = TestModels.quantized(dir.resolve("qn.pt"), false, "{\"format\": 1, \"mode\": \"static\", \"engine\": \"x86\"}");
        Path ptl = dir.resolve("qn.ptl");
        MobileExportResult r = MobileOptimizer.optimize(pt, ptl, options().withQuantizedEngine(null));
        assertEquals("x86", r.quantizedEngine());
        assertEquals(0.0, r.verification().maxAbsDiff());
        var extra = MobileArchive.read(ptl).extraFiles();
        assertTrue(extra.get("edgetorch_quantization.json").contains("\"engine\": \"x86\""), extra.toString());
        assertTrue(extra.get(MobileOptimizer.METADATA_FILE).contains("\"engine\": \"x86\""), extra.toString());
    }
}
