package org.edgetorch.quant;

import org.edgetorch.TestSupport;
import org.edgetorch.backend.Backends;
import org.edgetorch.graph.OpKind;
import org.edgetorch.graph.ZooOpsModels;
import org.edgetorch.runtime.Model;
import org.edgetorch.runtime.Runtimes;
import org.edgetorch.tensor.Agreement;
import org.edgetorch.tensor.FloatTensor;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

import java.nio.file.Path;
import java.util.EnumSet;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.stream.IntStream;

import static org.junit.jupiter.api.Assertions.*;

/**
 * Static INT8 of the zoo's op vocabulary (hardswish, hardsigmoid, sigmoid, mul, cat, slice, reshape, permute)
 * on the two small models of {@link ZooOpsModels}, for every engine this LibTorch has (fbgemm, x86, onednn,
 * qnnpack on x86-64): the saved file is loaded back through LibTorch and compared with the FP32 TorchScript
 * model's own forward on 32 held-out random inputs (calibration: 16 others).
 *
 * <p>Bounds: SQNR >= 18 dB, cosine >= 0.99, top-1 >= 90%. Measured: squeeze-excite 25.6 dB (onednn, qnnpack)
 * and 21.8 dB (fbgemm, x86: 7-bit activations lose about 6 dB), channel-shuffle 27.0 / 26.6 dB; top-1 97-100%.
 * A wrong channel order (shuffle, cat, slice) or a misread layout gives noise near 0 dB, far below the bound.
 */
class ZooStaticQuantizationTest {
    static final double MIN_SQNR_DB = 18;
    static final double MIN_COSINE = 0.99;
    static final double MIN_TOP1 = 0.9;

    @TempDir
    static Path dir;
    static Path squeezeExcite, channelShuffle;
    static List<FloatTensor> calibration, heldOut;

    @BeforeAll
    static void setUp() {
        TestSupport.libtorch();
        squeezeExcite = dir.resolve("squeeze_excite.pt");
        channelShuffle = dir.resolve("channel_shuffle.pt");
        ZooOpsModels.squeezeExcite(squeezeExcite, 11);
        ZooOpsModels.channelShuffle(channelShuffle, 12);
        calibration = images(16, 1);
        heldOut = images(32, 2);
    }

    static List<FloatTensor> images(int n, long seed) {
        Random r = new Random(seed);
        return IntStream.range(0, n).mapToObj(i -> new FloatTensor(ZooOpsModels.INPUT.clone(),
                QuantTestModels.gaussian(r, 3 * 16 * 16, 0, 1))).toList();
    }

    static List<String> engines() {
        TestSupport.libtorch();
        return Backends.get().quantizedEngines();
    }

    @ParameterizedTest
    @MethodSource("engines")
    void squeezeExciteFollowsFp32(String engine) {
        String graph = quantizeSaveAndCompare(squeezeExcite, engine, "squeeze_excite");
        assertOps(graph, engine, List.of("quantized::hardswish", "aten::hardsigmoid", "aten::sigmoid", "quantized::mul",
                "quantized::conv2d", "quantized::linear", "aten::adaptive_avg_pool2d"));
        // silu is read as sigmoid + mul: two sigmoids and three products in all
        assertEquals(2, count(graph, "aten::sigmoid("), graph);
        assertEquals(3, count(graph, "quantized::mul("), graph);
        assertNoFloatIsland(graph, engine);
    }

    @ParameterizedTest
    @MethodSource("engines")
    void channelShuffleFollowsFp32(String engine) {
        String graph = quantizeSaveAndCompare(channelShuffle, engine, "channel_shuffle");
        assertOps(graph, engine, List.of("quantized::cat", "aten::slice", "aten::reshape", "aten::permute",
                "aten::max_pool2d", "aten::avg_pool2d", "quantized::conv2d_relu", "quantized::linear"));
        assertEquals(2, count(graph, "quantized::cat("), graph);
        assertNoFloatIsland(graph, engine);
    }

    /**
     * The fallback for a LibTorch without some quantized kernel: forced here on kinds that have one, the float
     * islands (dequantize, float op, quantize with the node's parameters) still follow FP32 and are reported.
     */
    @Test
    void floatIslandsFollowFp32AndAreReported() {
        QuantEngine engine = QuantEngine.QNNPACK;
        EnumSet<OpKind> forced = EnumSet.of(OpKind.HARDSWISH, OpKind.HARDSIGMOID, OpKind.SIGMOID, OpKind.MUL, OpKind.CAT);
        for (Path fp32 : List.of(squeezeExcite, channelShuffle)) {
            Quantizer.Calibration c = Quantizer.calibrate(fp32, calibration, ObserverKind.MINMAX, engine.activationQmax(),
                    "quantize", CalibrationProgress.NONE);
            Backends.get().setQuantizedEngine(engine.id());
            StaticEmitter.Emitted e = StaticEmitter.emit(c.graph(), c.activations(), true, engine, forced);
            String graph = e.module().get_method("forward").graph().toString();
            for (String op : List.of("quantized::hardswish", "quantized::mul", "quantized::cat")) assertFalse(graph.contains(op), graph);
            long islands = c.graph().nodes.stream().filter(n -> forced.contains(n.kind)).count();
            assertEquals(islands, e.floatIslands().size(), e.floatIslands().toString());
            assertTrue(islands > 0);
            Path out = dir.resolve("islands_" + fp32.getFileName());
            Quantizer.save(e.module(), out, QuantizedArchive.metadata("static", engine.id(), Map.of()));
            Agreement a;
            try (Model ref = Runtimes.load(fp32); Model q = Runtimes.load(out)) {
                a = Fidelity.compare(ref, q, heldOut);
            }
            System.out.printf("%s float islands %s: %s%n", fp32.getFileName(), e.floatIslands(), a);
            assertFidelity(a, "islands " + fp32.getFileName());
        }
    }

    /** Quantizes, saves, reloads through LibTorch and compares with FP32; returns the quantized graph. */
    static String quantizeSaveAndCompare(Path fp32, String engine, String name) {
        Path out = dir.resolve(name + "_int8_" + engine + ".pt");
        Quantizer.StaticModel m = Quantizer.buildStatic(fp32, new Quantizer.StaticOptions(engine, ObserverKind.MINMAX, false),
                calibration, CalibrationProgress.NONE);
        Quantizer.save(m.module(), out, QuantizedArchive.metadata("static", engine, Map.of()));
        Agreement a;
        try (Model ref = Runtimes.load(fp32); Model q = Runtimes.load(out)) {
            a = Fidelity.compare(ref, q, heldOut);
        }
        System.out.printf("%s %s: %s%n", name, engine, a);
        assertFidelity(a, name + " " + engine);
        return m.module().get_method("forward").graph().toString();
    }

    static void assertFidelity(Agreement a, String what) {
        assertTrue(a.sqnrDb() >= MIN_SQNR_DB, what + ": SQNR " + a.sqnrDb());
        assertTrue(a.cosine() >= MIN_COSINE, what + ": cosine " + a.cosine());
        assertTrue(a.top1() >= MIN_TOP1, what + ": top-1 " + a.top1());
        assertTrue(a.maxAbsDiff() > 0, what + ": INT8 cannot be bit-identical to FP32");
    }

    static void assertOps(String graph, String engine, List<String> ops) {
        for (String op : ops) assertTrue(graph.contains(op + "("), engine + ": " + op + " missing from\n" + graph);
    }

    /** One quantize at the input, one dequantize at the output, and no float op of the new kinds in between. */
    static void assertNoFloatIsland(String graph, String engine) {
        assertEquals(1, count(graph, "aten::quantize_per_tensor("), engine + "\n" + graph);
        assertEquals(1, count(graph, "aten::dequantize("), engine + "\n" + graph);
        for (String op : List.of("aten::hardswish(", "aten::mul(", "aten::cat(", "aten::silu(")) assertFalse(graph.contains(op), graph);
    }

    static int count(String s, String sub) {
        int n = 0;
        for (int i = s.indexOf(sub); i >= 0; i = s.indexOf(sub, i + 1)) n++;
        return n;
    }
}
