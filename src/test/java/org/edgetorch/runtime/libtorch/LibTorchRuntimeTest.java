package org.edgetorch.runtime.libtorch;

import org.edgetorch.backend.Backends;
import org.edgetorch.backend.BytedecoBackend;
import org.edgetorch.quant.ObserverKind;
import org.edgetorch.quant.QuantTestModels;
import org.edgetorch.quant.Quantizer;
import org.edgetorch.runtime.Capability;
import org.edgetorch.runtime.Model;
import org.edgetorch.runtime.PreparedRun;
import org.edgetorch.runtime.Runtime;
import org.edgetorch.runtime.Runtimes;
import org.edgetorch.tensor.FloatTensor;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Path;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** LibTorch behind the runtime seam: the engine of a quantized file is bound at load and at every call. */
class LibTorchRuntimeTest {
    @TempDir
    static Path dir;
    static Path fp32;
    static Path qnnpack;
    static List<FloatTensor> inputs;

    @BeforeAll
    static void models() {
        fp32 = dir.resolve("small.pt");
        QuantTestModels.smallCnn(fp32, 3);
        java.util.Random r = new java.util.Random(5);
        inputs = List.of(new FloatTensor(new long[]{1, 3, 16, 16}, QuantTestModels.gaussian(r, 3 * 16 * 16, 0, 1)),
                new FloatTensor(new long[]{1, 3, 16, 16}, QuantTestModels.gaussian(r, 3 * 16 * 16, 0, 1)));
        qnnpack = dir.resolve("small_qnnpack.pt");
        Quantizer.quantizeStatic(fp32, qnnpack, "qnnpack", inputs, ObserverKind.MINMAX);
    }

    private static BytedecoBackend backend() {
        return (BytedecoBackend) Backends.get();
    }

    @Test
    void quantizedFileRunsUnderItsOwnEngine() {
        backend().setQuantizedEngine("x86");
        try (Model m = Runtimes.load(qnnpack)) {
            backend().setQuantizedEngine("x86"); // something else selected another engine in between
            m.forward(inputs.get(0));
            assertEquals("qnnpack", backend().currentQuantizedEngine());
            backend().setQuantizedEngine("x86");
            try (PreparedRun run = m.prepare(inputs.get(0))) {
                backend().setQuantizedEngine("x86");
                run.run();
                assertEquals("qnnpack", backend().currentQuantizedEngine());
                assertTrue(run.description().endsWith("after selecting the qnnpack engine"), run.description());
                run.consume();
            }
        }
    }

    @Test
    void floatFileLeavesTheEngineAlone() {
        backend().setQuantizedEngine("onednn");
        try (Model m = Runtimes.load(fp32)) {
            m.forward(inputs.get(0));
        }
        assertEquals("onednn", backend().currentQuantizedEngine());
    }

    @Test
    void closedModelRefusesUseInsteadOfCrashing() {
        Model m = Runtimes.load(fp32);
        m.close();
        m.close();
        assertThrows(IllegalStateException.class, () -> m.forward(inputs.get(0)));
        assertThrows(IllegalStateException.class, () -> m.prepare(inputs.get(0)));
    }

    @Test
    void capabilities() {
        Runtime r = Runtimes.get(Runtimes.LIBTORCH);
        assertEquals("libtorch", r.name());
        assertTrue(r.hasCapability(Capability.INT8));
        assertTrue(r.hasCapability(Capability.QUANTIZED_ENGINES));
        assertTrue(r.hasCapability(Capability.JAVA_MODELS));
        assertFalse(r.hasCapability(Capability.NATIVE_TIMING_LOOP));
        assertEquals(backend().libtorchVersion(), r.version());
    }
}
