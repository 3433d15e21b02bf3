package org.edgetorch.export.onnx;

import ai.onnxruntime.OrtSession;
import org.edgetorch.TestSupport;
import org.edgetorch.export.onnx.proto.Onnx.ModelProto;
import org.edgetorch.export.onnx.proto.Onnx.NodeProto;
import org.edgetorch.export.onnx.proto.Onnx.TensorProto;
import org.edgetorch.graph.ZooOpsModels;
import org.edgetorch.quant.CalibrationProgress;
import org.edgetorch.quant.Fidelity;
import org.edgetorch.quant.ObserverKind;
import org.edgetorch.quant.Quantizer;
import org.edgetorch.runtime.Model;
import org.edgetorch.runtime.Runtimes;
import org.edgetorch.tensor.Agreement;
import org.edgetorch.tensor.FloatTensor;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

import static org.edgetorch.export.onnx.OnnxExportTest.PROVENANCE;
import static org.edgetorch.export.onnx.OnnxExportTest.largest;
import static org.edgetorch.export.onnx.OnnxExportTest.random;
import static org.edgetorch.export.onnx.OnnxExportTest.run;
import static org.edgetorch.export.onnx.OnnxExportTest.session;
import static org.junit.jupiter.api.Assertions.*;

/**
 * The zoo's ops ({@link ZooOpsModels}: hardswish, hardsigmoid, sigmoid, mul, cat, slice, reshape, permute)
 * written as ONNX. FP32 against LibTorch's forward of the same TorchScript file at batch 2 (the batch is
 * dynamic); INT8 QDQ against the FP32 ONNX file, both run by ONNX Runtime with all optimizations, and ONNX
 * Runtime's own optimized graph read back for what it runs in integers.
 */
class OnnxZooOpsTest {
    /**
     * SQNR of the INT8 file against the FP32 file on 32 held-out inputs. Measured 34.7 dB on both models (uint8
     * activations, about 16 requantizations end to end, minmax ranges from 16 inputs; the INT8 small CNN of
     * OnnxExportTest is held to 25 dB); 28 dB leaves one bit (6 dB) for other seeds and ONNX Runtime versions.
     */
    static final double MIN_SQNR_DB = 28;

    @TempDir
    static Path dir;
    static Path se, shuffle;
    static final List<FloatTensor> CALIBRATION = new ArrayList<>(), HELD_OUT = new ArrayList<>();

    @BeforeAll
    static void setUp() {
        TestSupport.libtorch();
        se = dir.resolve("se.pt");
        ZooOpsModels.squeezeExcite(se, 1);
        shuffle = dir.resolve("shuffle.pt");
        ZooOpsModels.channelShuffle(shuffle, 2);
        for (int i = 0; i < 16; i++) CALIBRATION.add(random(ZooOpsModels.INPUT, 100 + i));
        for (int i = 0; i < 32; i++) HELD_OUT.add(random(ZooOpsModels.INPUT, 1000 + i));
    }

    @Test
    void squeezeExciteFp32MatchesLibTorchAtBatch2() throws Exception {
        ModelProto m = fp32MatchesLibTorch(se);
        assertEquals(List.of("Conv", "HardSwish", "GlobalAveragePool", "Conv", "Relu", "Conv", "HardSigmoid", "Mul", "Conv",
                "Sigmoid", "Mul", "Conv", "Sigmoid", "Mul", "GlobalAveragePool", "Flatten", "Gemm"), ops(m));
        NodeProto hs = m.getGraph().getNodeList().stream().filter(n -> n.getOpType().equals("HardSigmoid")).findFirst().orElseThrow();
        assertEquals(1f / 6, hs.getAttribute(0).getF(), "alpha");
        assertEquals(0.5f, hs.getAttribute(1).getF(), "beta");
    }

    @Test
    void channelShuffleFp32MatchesLibTorchAtBatch2() throws Exception {
        ModelProto m = fp32MatchesLibTorch(shuffle);
        assertEquals(List.of("Conv", "Relu", "MaxPool", "Slice", "Slice", "Conv", "Relu", "Concat", "Reshape", "Transpose",
                "Reshape", "Slice", "Slice", "Concat", "AveragePool", "Reshape", "Gemm"), ops(m));
        Map<String, long[]> ints = int64Initializers(m);
        List<NodeProto> nodes = m.getGraph().getNodeList();
        // the channel shuffle: view(n, 2, 4, h, w) with the batch copied (0), transpose(1, 2), view(n, -1, h, w)
        assertArrayEquals(new long[]{0, 2, 4, 8, 8}, ints.get(nodes.get(8).getInput(1)));
        assertArrayEquals(new long[]{0, 2, 1, 3, 4}, nodes.get(9).getAttribute(0).getIntsList().stream().mapToLong(Long::longValue).toArray());
        assertArrayEquals(new long[]{0, 8, 8, 8}, ints.get(nodes.get(10).getInput(1)));
        // split([3, 5], 1): [3, 8) of the channels
        NodeProto second = nodes.get(12);
        assertArrayEquals(new long[]{3}, ints.get(second.getInput(1)));
        assertArrayEquals(new long[]{8}, ints.get(second.getInput(2)));
        assertArrayEquals(new long[]{1}, ints.get(second.getInput(3)));
    }

    @Test
    void squeezeExciteInt8() throws Exception {
        List<String> optimized = int8FollowsFp32(se);
        // HardSwish and HardSigmoid have no integer kernel in ONNX Runtime: they stay float islands between a
        // DequantizeLinear and a QuantizeLinear (HardSwish as HardSigmoid * x); everything else runs in uint8
        assertEquals(5, count(optimized, "QLinearConv"), optimized.toString());
        assertEquals(3, count(optimized, "QLinearMul"), optimized.toString());
        assertEquals(2, count(optimized, "QLinearSigmoid"), optimized.toString());
        assertEquals(2, count(optimized, "QLinearGlobalAveragePool"), optimized.toString());
        assertEquals(1, count(optimized, "QGemm"), optimized.toString());
        assertEquals(2, count(optimized, "HardSigmoid"), optimized.toString());
        assertEquals(1 + 2, count(optimized, "DequantizeLinear"), "the output's and one per float island: " + optimized);
        assertFalse(optimized.contains("Conv") || optimized.contains("Sigmoid") || optimized.contains("GlobalAveragePool"), optimized.toString());
    }

    @Test
    void channelShuffleInt8() throws Exception {
        List<String> optimized = int8FollowsFp32(shuffle);
        assertEquals(2, count(optimized, "QLinearConv"), optimized.toString());
        assertEquals(2, count(optimized, "QLinearConcat"), optimized.toString());
        assertEquals(1, count(optimized, "QLinearAveragePool"), optimized.toString());
        assertEquals(1, count(optimized, "QGemm"), optimized.toString());
        // the slices, reshapes and the transpose share their input's parameters: ONNX Runtime drops their Q/DQ pairs
        // (and turns each pair of slices into one Split), so they move uint8 data; one DequantizeLinear, the output's
        assertEquals(3, count(optimized, "Reshape"), optimized.toString());
        assertEquals(1, count(optimized, "DequantizeLinear"), optimized.toString());
        assertEquals(1, count(optimized, "QuantizeLinear"), "the input's: " + optimized);
    }

    // ---- helpers ----

    /** The FP32 file written for [1, 3, 16, 16] runs at batch 2 in ONNX Runtime and gives LibTorch's logits. */
    private static ModelProto fp32MatchesLibTorch(Path in) throws Exception {
        Path out = dir.resolve(in.getFileName() + ".onnx");
        OnnxExport.Result r = OnnxExport.fp32(in, out, ZooOpsModels.INPUT, PROVENANCE);
        assertTrue(r.dynamicBatch());
        FloatTensor x = random(new long[]{2, 3, 16, 16}, 7);
        try (OrtSession s = session(out, null); Model ref = Runtimes.load(in)) {
            FloatTensor expected = ref.forward(x);
            FloatTensor got = run(s, x);
            assertArrayEquals(expected.shape(), got.shape());
            Agreement a = Agreement.of(expected, got);
            assertTrue(a.maxAbsDiff() <= 1e-4 * largest(expected), a + ", largest logit " + largest(expected));
        }
        ModelProto m = ModelProto.parseFrom(Files.readAllBytes(out));
        assertEquals(OnnxWriter.OPSET, m.getOpsetImport(0).getVersion());
        assertTrue(OnnxWriter.OPSET >= 14, "HardSwish is opset 14");
        return m;
    }

    /**
     * The INT8 file: every op between a DequantizeLinear and one QuantizeLinear (shared-parameter ops with the same
     * parameters on both sides, which ONNX Runtime requires to drop the pair); run by ONNX Runtime against the FP32
     * file on the held-out inputs. Returns ONNX Runtime's optimized graph's op types.
     */
    private static List<String> int8FollowsFp32(Path in) throws Exception {
        Quantizer.Calibration c = Quantizer.calibrate(in, CALIBRATION, ObserverKind.MINMAX, 255, OnnxExport.ACTION,
                CalibrationProgress.NONE);
        Path int8 = dir.resolve(in.getFileName() + "_int8.onnx");
        OnnxExport.qdq(c, int8, ZooOpsModels.INPUT, PROVENANCE, List.of());
        ModelProto m = ModelProto.parseFrom(Files.readAllBytes(int8));
        checkQdqAroundEveryOp(m);

        Path fp32 = dir.resolve(in.getFileName() + "_ref.onnx");
        Files.write(fp32, OnnxWriter.fp32(c.graph(), ZooOpsModels.INPUT, PROVENANCE).toByteArray());
        Path optimized = dir.resolve(in.getFileName() + "_int8_optimized.onnx");
        List<FloatTensor> ref = new ArrayList<>(), got = new ArrayList<>();
        try (OrtSession f = session(fp32, null); OrtSession q = session(int8, optimized)) {
            for (FloatTensor x : HELD_OUT) {
                ref.add(run(f, x));
                got.add(run(q, x));
            }
        }
        Agreement a = Agreement.of(Fidelity.stack(ref), Fidelity.stack(got));
        System.out.printf("%s INT8 QDQ vs FP32 ONNX: %s%n", in.getFileName(), a);
        assertTrue(a.sqnrDb() >= MIN_SQNR_DB, a.toString());
        // 32 inputs, 5 or 6 classes: a near-tie may flip one or two, no more
        assertTrue(a.top1() >= 0.9, a.toString());
        return ops(ModelProto.parseFrom(Files.readAllBytes(optimized)));
    }

    private static void checkQdqAroundEveryOp(ModelProto m) {
        Map<String, NodeProto> producer = new HashMap<>();
        Map<String, List<NodeProto>> consumers = new HashMap<>();
        for (NodeProto n : m.getGraph().getNodeList()) {
            for (String o : n.getOutputList()) producer.put(o, n);
            for (String i : n.getInputList()) consumers.computeIfAbsent(i, k -> new ArrayList<>()).add(n);
        }
        Map<String, TensorProto> inits = new HashMap<>();
        for (TensorProto t : m.getGraph().getInitializerList()) inits.put(t.getName(), t);
        Set<String> shared = Set.of("MaxPool", "AveragePool", "GlobalAveragePool", "Flatten", "Slice", "Reshape", "Transpose");
        for (NodeProto n : m.getGraph().getNodeList()) {
            String op = n.getOpType();
            if (op.equals("QuantizeLinear") || op.equals("DequantizeLinear")) continue;
            for (String in : n.getInputList()) {
                assertTrue(inits.containsKey(in) || producer.get(in).getOpType().equals("DequantizeLinear"), n.getName() + " input " + in);
            }
            List<NodeProto> after = consumers.get(n.getOutput(0));
            assertEquals(1, after.size(), n.getName());
            assertEquals("QuantizeLinear", after.get(0).getOpType(), n.getName());
            if (shared.contains(op)) {
                NodeProto dq = producer.get(n.getInput(0)), q = after.get(0);
                for (int k = 1; k <= 2; k++) {
                    assertEquals(inits.get(dq.getInput(k)).getRawData(), inits.get(q.getInput(k)).getRawData(),
                            n.getName() + ": the same quantization parameters in and out");
                }
            }
        }
    }

    private static Map<String, long[]> int64Initializers(ModelProto m) {
        Map<String, long[]> out = new HashMap<>();
        for (TensorProto t : m.getGraph().getInitializerList()) {
            if (t.getDataType() != TensorProto.DataType.INT64.getNumber()) continue;
            var b = t.getRawData().asReadOnlyByteBuffer().order(java.nio.ByteOrder.LITTLE_ENDIAN).asLongBuffer();
            long[] v = new long[b.remaining()];
            b.get(v);
            out.put(t.getName(), v);
        }
        return out;
    }

    private static List<String> ops(ModelProto m) {
        return m.getGraph().getNodeList().stream().map(NodeProto::getOpType).toList();
    }

    private static long count(List<String> ops, String op) {
        return ops.stream().filter(op::equals).count();
    }
}
