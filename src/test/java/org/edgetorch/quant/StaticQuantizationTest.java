package org.edgetorch.quant;

import org.bytedeco.javacpp.PointerScope;
import org.bytedeco.pytorch.IValue;
import org.bytedeco.pytorch.IValueVector;
import org.edgetorch.TestSupport;
import org.edgetorch.backend.Backends;
import org.edgetorch.runtime.Model;
import org.edgetorch.image.ImageInput;
import org.edgetorch.image.StudyImages;
import org.edgetorch.tensor.Agreement;
import org.edgetorch.tensor.FloatTensor;
import org.edgetorch.tensor.Tensors;
import com.google.gson.JsonArray;
import com.google.gson.JsonObject;
import org.edgetorch.util.Json;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestMethodOrder;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.*;

/**
 * Static quantization of a small CNN (conv+BN+ReLU6, depthwise conv+BN, residual add+ReLU, pooling,
 * flatten, dropout, linear) on the bundled photos, for every engine this LibTorch has.
 *
 * <p>Bounds: on held-out photos the INT8 model follows FP32 with
 * SQNR >= 25 dB and cosine >= 0.995 (measured: about 30-36 dB depending on the engine; 7-bit
 * activations of FBGEMM/X86 are the lower end).
 */
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class StaticQuantizationTest {
    static final double MIN_SQNR_DB = 25;
    static final double MIN_COSINE = 0.995;

    @TempDir
    static Path dir;
    static Path fp32;
    static List<FloatTensor> calibration;
    static List<FloatTensor> heldOut;
    /** Per written file, the in-memory model's output on the first held-out photo. */
    static final Map<Path, float[]> inMemoryOutputs = new LinkedHashMap<>();

    @BeforeAll
    static void setUp() {
        TestSupport.libtorch();
        fp32 = dir.resolve("small_cnn.pt");
        QuantTestModels.smallCnn(fp32, 5);
        calibration = StudyImages.calibration().subList(0, 6).stream().map(ImageInput::tensor).toList();
        heldOut = StudyImages.heldOut().subList(0, 4).stream().map(ImageInput::tensor).toList();
    }

    static List<String> engines() {
        TestSupport.libtorch();
        return Backends.get().quantizedEngines();
    }

    @Order(1)
    @ParameterizedTest
    @MethodSource("engines")
    void reloadsIdenticallyAndFollowsFp32(String engine) {
        Path out = dir.resolve("small_cnn_int8_" + engine + ".pt");
        Quantizer.StaticModel m = Quantizer.buildStatic(fp32, new Quantizer.StaticOptions(engine, ObserverKind.HISTOGRAM, false),
                calibration, CalibrationProgress.NONE);
        String graph = m.module().get_method("forward").graph().toString();
        for (String op : List.of("aten::quantize_per_tensor", "quantized::conv2d_relu", "quantized::conv2d", "quantized::add_relu",
                "aten::max_pool2d", "aten::adaptive_avg_pool2d", "aten::flatten", "quantized::linear", "aten::dequantize")) {
            assertTrue(graph.contains(op), engine + ": " + op + " missing from\n" + graph);
        }
        for (String op : List.of("aten::batch_norm", "aten::conv2d", "aten::linear", "aten::dropout", "aten::hardtanh")) {
            assertFalse(graph.contains(op + "("), engine + ": " + op + " left in\n" + graph);
        }
        assertEquals(2, m.emitted().convs());
        assertEquals(1, m.emitted().adds());
        assertEquals(2, m.fusedActivations(), "ReLU6 into the first conv, ReLU into the add");

        Quantizer.save(m.module(), out, QuantizedArchive.metadata("static", engine, java.util.Map.of()));
        assertEquals(engine, QuantizedArchive.engineOf(out).orElseThrow());
        try (Model reloaded = org.edgetorch.runtime.Runtimes.load(out)) {
            for (FloatTensor x : heldOut) {
                FloatTensor inMemory;
                Backends.get().setQuantizedEngine(engine);
                try (PointerScope scope = new PointerScope()) {
                    inMemory = Tensors.fromTorch(m.module().forward(new IValueVector(new IValue(Tensors.toTorch(x)))).toTensor());
                }
                assertArrayEquals(inMemory.data(), reloaded.forward(x).data(), engine + ": reloaded model differs from the in-memory one");
                if (x == heldOut.get(0)) inMemoryOutputs.put(out, inMemory.data());
            }
        }

        Agreement a;
        try (Model ref = org.edgetorch.runtime.Runtimes.load(fp32); Model q = org.edgetorch.runtime.Runtimes.load(out)) {
            a = Fidelity.compare(ref, q, heldOut);
        }
        System.out.printf("%s: %s%n", engine, a);
        assertTrue(a.sqnrDb() >= MIN_SQNR_DB, engine + ": SQNR " + a.sqnrDb());
        assertTrue(a.cosine() >= MIN_COSINE, engine + ": cosine " + a.cosine());
        assertTrue(a.maxAbsDiff() > 0, engine + ": INT8 cannot be bit-identical to FP32");
    }

    /** The files reload in a fresh JVM (packed weights rebuilt by __setstate__) and give the same outputs. */
    @Order(2)
    @Test
    void reloadInAFreshProcessGivesTheSameOutputs() throws Exception {
        assertFalse(inMemoryOutputs.isEmpty(), "runs after the per-engine test");
        List<String> cmd = new ArrayList<>(List.of(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                "-cp", System.getProperty("java.class.path"), ReloadProbe.class.getName()));
        inMemoryOutputs.keySet().forEach(p -> cmd.add(p.toString()));
        Path stdout = dir.resolve("probe.out"), stderr = dir.resolve("probe.err");
        Process p = new ProcessBuilder(cmd).redirectOutput(stdout.toFile()).redirectError(stderr.toFile()).start();
        if (!p.waitFor(180, TimeUnit.SECONDS)) {
            p.destroyForcibly();
            fail("child JVM timed out");
        }
        assertEquals(0, p.exitValue(), Files.readString(stderr));
        JsonObject got = Json.parse(Files.readString(stdout)).getAsJsonObject();
        for (Map.Entry<Path, float[]> e : inMemoryOutputs.entrySet()) {
            JsonArray a = got.getAsJsonArray(e.getKey().toString());
            float[] want = e.getValue();
            assertEquals(want.length, a.size());
            for (int i = 0; i < want.length; i++) assertEquals(want[i], a.get(i).getAsFloat(), e.getKey() + " logit " + i);
        }
    }

    /**
     * The presets hand out references into native objects the GC may free (IValue.toTensor(),
     * IValueOptional.get()); the quantizer must hold its own handles. A thread calling System.gc()
     * without pause makes any dangling one fail here.
     */
    @Order(3)
    @Test
    void survivesAggressiveGarbageCollection() throws Exception {
        String engine = QuantizedModels.defaultStaticEngine(Backends.get());
        Quantizer.StaticOptions o = new Quantizer.StaticOptions(engine, ObserverKind.MINMAX, false);
        Path quiet = dir.resolve("gc_quiet.pt"), stressed = dir.resolve("gc_stressed.pt");
        Quantizer.quantizeStatic(fp32, quiet, o, calibration, CalibrationProgress.NONE);
        Thread gc = new Thread(() -> {
            while (!Thread.currentThread().isInterrupted()) {
                System.gc();
                try {
                    Thread.sleep(1);
                } catch (InterruptedException e) {
                    return;
                }
            }
        });
        gc.setDaemon(true);
        gc.start();
        try {
            for (int i = 0; i < 3; i++) Quantizer.quantizeStatic(fp32, stressed, o, calibration, CalibrationProgress.NONE);
        } finally {
            gc.interrupt();
            gc.join();
        }
        try (Model a = org.edgetorch.runtime.Runtimes.load(quiet); Model b = org.edgetorch.runtime.Runtimes.load(stressed)) {
            assertArrayEquals(a.forward(heldOut.get(0)).data(), b.forward(heldOut.get(0)).data());
        }
    }

    /**
     * A standalone quantized clamp on a convolution's output (channels-last): QNNPACK's clamp kernel
     * misreads that layout, so the emitter makes the tensor contiguous first for QNNPACK.
     */
    @Order(4)
    @ParameterizedTest
    @MethodSource("engines")
    void standaloneClampIsRightOnEveryEngine(String engine) {
        Path in = dir.resolve("conv_clamp.pt"), out = dir.resolve("conv_clamp_" + engine + ".pt");
        QuantTestModels.convThenClamp(in);
        List<FloatTensor> images = QuantizationErrorsTest.images(3, 12);
        Quantizer.quantizeStatic(in, out, engine, images, ObserverKind.MINMAX);
        try (Model ref = org.edgetorch.runtime.Runtimes.load(in); Model q = org.edgetorch.runtime.Runtimes.load(out)) {
            float[] want = ref.forward(images.get(0)).data(), got = q.forward(images.get(0)).data();
            double worst = 0;
            for (int i = 0; i < want.length; i++) worst = Math.max(worst, Math.abs(want[i] - got[i]));
            // the conv output's step is range/255 (or /127): a few hundredths here; garbage would be ~1
            assertTrue(worst < 0.1, engine + ": max |diff| " + worst);
        }
    }

    @Order(5)
    @Test
    void everyObserverWorks() throws java.io.IOException {
        for (ObserverKind k : ObserverKind.values()) {
            Path out = dir.resolve("small_cnn_" + k.id() + ".pt");
            String engine = QuantizedModels.defaultStaticEngine(Backends.get());
            QuantizationResult r = Quantizer.quantizeStatic(fp32, out, engine, calibration, k);
            assertEquals(k.id(), r.observer());
            assertTrue(r.calibrationSqnrDb() >= MIN_SQNR_DB, k + ": " + r.calibrationSqnrDb());
            assertEquals(Files.size(out), r.outputBytes());
        }
    }
}
