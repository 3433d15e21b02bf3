package org.edgetorch.export.onnx;

import ai.onnxruntime.OnnxTensor;
import ai.onnxruntime.OrtEnvironment;
import ai.onnxruntime.OrtSession;
import org.edgetorch.TestSupport;
import org.edgetorch.runtime.Model;
import org.edgetorch.runtime.Runtimes;
import org.edgetorch.export.onnx.proto.Onnx.ModelProto;
import org.edgetorch.export.onnx.proto.Onnx.NodeProto;
import org.edgetorch.export.onnx.proto.Onnx.TensorProto;
import org.edgetorch.export.onnx.proto.Onnx.ValueInfoProto;
import org.edgetorch.image.ImageInput;
import org.edgetorch.jit.TorchScriptExport;
import org.edgetorch.nn.Architectures;
import org.edgetorch.nn.TorchvisionModel;
import org.edgetorch.image.StudyImages;
import org.edgetorch.quant.CalibrationProgress;
import org.edgetorch.quant.Fidelity;
import org.edgetorch.quant.ObserverKind;
import org.edgetorch.quant.QuantTestModels;
import org.edgetorch.quant.Quantizer;
import org.edgetorch.tensor.Agreement;
import org.edgetorch.tensor.FloatTensor;
import org.edgetorch.util.UserError;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.FloatBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;

import static org.junit.jupiter.api.Assertions.*;

/**
 * ONNX files of a small CNN (conv+BN+ReLU6, depthwise conv+BN, residual add+ReLU, max pool, global average
 * pool, flatten, dropout, linear) run by ONNX Runtime itself and compared with LibTorch; their structure read
 * back with the generated protobuf classes; and ONNX Runtime's own optimized graph inspected for the fusions
 * the QDQ layout is for.
 */
class OnnxExportTest {
    static final OnnxWriter.Provenance PROVENANCE = new OnnxWriter.Provenance("test", "a test model",
            Map.of("edgetorch.source", "small_cnn.pt"));

    @TempDir
    static Path dir;
    static Path smallCnn;

    @BeforeAll
    static void setUp() {
        TestSupport.libtorch();
        smallCnn = dir.resolve("small_cnn.pt");
        QuantTestModels.smallCnn(smallCnn, 5);
    }

    @Test
    void fp32MatchesLibTorchInOnnxRuntimeAtSeveralBatchSizes() throws Exception {
        Path out = dir.resolve("small_fp32.onnx");
        OnnxExport.Result r = OnnxExport.fp32(smallCnn, out, new long[]{1, 3, 32, 32}, PROVENANCE);
        assertTrue(r.dynamicBatch());
        try (OrtSession s = session(out, null); Model ref = Runtimes.load(smallCnn)) {
            for (int batch : new int[]{1, 3}) {
                FloatTensor x = random(new long[]{batch, 3, 32, 32}, batch);
                FloatTensor expected = ref.forward(x);
                FloatTensor got = run(s, x);
                assertArrayEquals(expected.shape(), got.shape());
                Agreement a = Agreement.of(expected, got);
                assertTrue(a.maxAbsDiff() <= 1e-4 * largest(expected), "batch " + batch + ": " + a);
            }
        }
    }

    @Test
    void fp32Structure() throws Exception {
        Path out = dir.resolve("small_fp32_structure.onnx");
        OnnxExport.fp32(smallCnn, out, new long[]{1, 3, 32, 32}, PROVENANCE);
        ModelProto m = ModelProto.parseFrom(Files.readAllBytes(out));
        assertEquals(1, m.getOpsetImportCount());
        assertEquals("", m.getOpsetImport(0).getDomain());
        assertTrue(m.getOpsetImport(0).getVersion() >= 13);
        assertEquals("edgetorch", m.getProducerName());
        assertEquals("test", m.getProducerVersion());
        assertEquals("small_cnn.pt", m.getMetadataProps(0).getValue());
        assertDims(m.getGraph().getInput(0), "input", "batch", "3", "32", "32");
        assertDims(m.getGraph().getOutput(0), "logits", "batch", "10");
        List<String> ops = m.getGraph().getNodeList().stream().map(NodeProto::getOpType).toList();
        assertEquals(List.of("Conv", "Clip", "Conv", "Add", "Relu", "MaxPool", "GlobalAveragePool", "Flatten", "Gemm"), ops,
                "BatchNorm folded, dropout gone, ReLU6 as Clip");
    }

    @Test
    void int8QdqRunsFusedInOnnxRuntimeAndFollowsFp32LikeLibTorchInt8() throws Exception {
        List<FloatTensor> calibration = StudyImages.calibration().subList(0, 6).stream().map(ImageInput::tensor).toList();
        List<FloatTensor> heldOut = StudyImages.heldOut().subList(0, 4).stream().map(ImageInput::tensor).toList();
        Quantizer.Calibration c = Quantizer.calibrate(smallCnn, calibration, ObserverKind.MINMAX, 255, OnnxExport.ACTION,
                CalibrationProgress.NONE);
        Path out = dir.resolve("small_int8.onnx");
        OnnxExport.Result r = OnnxExport.qdq(c, out, OnnxExport.batchedShape(calibration.get(0)), PROVENANCE, heldOut);
        assertTrue(r.dynamicBatch());

        ModelProto m = ModelProto.parseFrom(Files.readAllBytes(out));
        checkQdqPattern(m, 2);

        // ONNX Runtime's own optimized graph: every Conv became a QLinearConv, nothing float is left around them
        Path optimized = dir.resolve("small_int8_optimized.onnx");
        FloatTensor[] ortOut = new FloatTensor[heldOut.size()];
        try (OrtSession s = session(out, optimized)) {
            for (int i = 0; i < heldOut.size(); i++) ortOut[i] = run(s, batched(heldOut.get(i)));
        }
        List<String> fused = ModelProto.parseFrom(Files.readAllBytes(optimized)).getGraph().getNodeList().stream()
                .map(NodeProto::getOpType).toList();
        assertEquals(2, fused.stream().filter("QLinearConv"::equals).count(), fused.toString());
        assertFalse(fused.contains("Conv") || fused.contains("Clip") || fused.contains("Relu"), fused.toString());
        assertTrue(fused.contains("QLinearAdd"), fused.toString());

        // fidelity on held-out photos, against the same file's FP32 model in LibTorch: as close as LibTorch's own INT8
        List<FloatTensor> ref = new ArrayList<>(), ort = new ArrayList<>();
        try (Model fp32 = Runtimes.load(smallCnn)) {
            for (int i = 0; i < heldOut.size(); i++) {
                ref.add(fp32.forward(batched(heldOut.get(i))));
                ort.add(ortOut[i]);
            }
        }
        Agreement onnxInt8 = Agreement.of(Fidelity.stack(ref), Fidelity.stack(ort));
        Path pt = dir.resolve("small_int8_onednn.pt");
        Quantizer.quantizeStatic(smallCnn, pt, "onednn", calibration, ObserverKind.MINMAX);
        Agreement libtorchInt8;
        try (Model fp32 = Runtimes.load(smallCnn); Model q = Runtimes.load(pt)) {
            libtorchInt8 = Fidelity.compare(fp32, q, heldOut);
        }
        System.out.printf("small CNN INT8 SQNR vs FP32: ONNX Runtime QDQ %.2f dB, LibTorch onednn %.2f dB; ORT graph %s%n",
                onnxInt8.sqnrDb(), libtorchInt8.sqnrDb(), fused);
        assertTrue(onnxInt8.sqnrDb() >= 25, onnxInt8.toString());
        assertEquals(libtorchInt8.sqnrDb(), onnxInt8.sqnrDb(), 1.5, "ONNX " + onnxInt8 + " vs LibTorch " + libtorchInt8);
        // and the exporter's own report measured the same thing against the FP32 ONNX model
        assertEquals(onnxInt8.sqnrDb(), r.fidelity().sqnrDb(), 0.5);
    }

    /**
     * Each Conv / Gemm / Add reads only DequantizeLinear outputs and feeds only a QuantizeLinear; weights are
     * int8 with a scale per output channel, biases int32; no Clip or Relu anywhere (ReLU, ReLU6 are in the ranges).
     */
    static void checkQdqPattern(ModelProto m, int expectedConvs) {
        Map<String, NodeProto> producer = new HashMap<>();
        Map<String, List<NodeProto>> consumers = new HashMap<>();
        for (NodeProto n : m.getGraph().getNodeList()) {
            for (String o : n.getOutputList()) producer.put(o, n);
            for (String i : n.getInputList()) consumers.computeIfAbsent(i, k -> new ArrayList<>()).add(n);
        }
        Map<String, TensorProto> inits = new HashMap<>();
        for (TensorProto t : m.getGraph().getInitializerList()) inits.put(t.getName(), t);
        int convs = 0;
        for (NodeProto n : m.getGraph().getNodeList()) {
            assertFalse(n.getOpType().equals("Clip") || n.getOpType().equals("Relu"), n.getName());
            if (!List.of("Conv", "Gemm", "Add").contains(n.getOpType())) continue;
            for (String in : n.getInputList()) {
                assertEquals("DequantizeLinear", producer.get(in).getOpType(), n.getName() + " input " + in);
            }
            List<NodeProto> after = consumers.get(n.getOutput(0));
            assertEquals(1, after.size(), n.getName());
            assertEquals("QuantizeLinear", after.get(0).getOpType(), n.getName());
            if (n.getOpType().equals("Add")) continue;
            if (n.getOpType().equals("Conv")) convs++;
            NodeProto w = producer.get(n.getInput(1));
            TensorProto wq = inits.get(w.getInput(0)), ws = inits.get(w.getInput(1));
            assertEquals(TensorProto.DataType.INT8.getNumber(), wq.getDataType(), n.getName());
            assertEquals(wq.getDims(0), ws.getDims(0), "a scale per output channel: " + n.getName());
            NodeProto b = producer.get(n.getInput(2));
            assertEquals(TensorProto.DataType.INT32.getNumber(), inits.get(b.getInput(0)).getDataType(), n.getName());
        }
        assertEquals(expectedConvs, convs);
    }

    @Test
    void unsupportedOpIsNamedAndNothingIsWritten() throws Exception {
        Path in = dir.resolve("exp.pt");
        QuantTestModels.withExp(in);
        Path out = dir.resolve("exp.onnx");
        UserError e = assertThrows(UserError.class, () -> OnnxExport.fp32(in, out, new long[]{1, 3, 16, 16}, PROVENANCE));
        assertTrue(e.getMessage().startsWith("cannot export to ONNX: unsupported operation aten::exp at op #2"), e.getMessage());
        assertFalse(Files.exists(out));
    }

    @Test
    void inputShapeThatDoesNotFitIsRefusedAndTheOldFileStays() throws Exception {
        Path out = dir.resolve("misfit.onnx");
        Files.writeString(out, "previous");
        UserError channels = assertThrows(UserError.class, () -> OnnxExport.fp32(smallCnn, out, new long[]{1, 4, 32, 32}, PROVENANCE));
        assertTrue(channels.getMessage().contains("input shape [1,4,32,32] does not fit the model: op #1 (aten::conv2d"), channels.getMessage());
        assertTrue(channels.getMessage().contains("expects 3 input channels, gets 4"), channels.getMessage());
        UserError small = assertThrows(UserError.class, () -> OnnxExport.fp32(smallCnn, out, new long[]{1, 3, 2, 2}, PROVENANCE));
        assertTrue(small.getMessage().contains("aten::max_pool2d"), small.getMessage());
        assertEquals("previous", Files.readString(out));
        try (var files = Files.list(dir)) {
            assertTrue(files.noneMatch(p -> p.getFileName().toString().startsWith(".misfit")), "no temporary left");
        }
    }

    /**
     * MobileNet-V2 from nn/ (seeded weights): FP32 ONNX follows the eager Java model on a photo; the INT8 file
     * has the QDQ pattern around all 52 convolutions and ONNX Runtime runs each as one QLinearConv.
     */
    @Test
    void mobileNetV2() throws Exception {
        TorchvisionModel model = TorchvisionModel.seeded(Architectures.byName("mobilenet_v2"), 3);
        TorchScriptExport.Checked traced = TorchScriptExport.traceChecked(model);
        Path fp32 = dir.resolve("mobilenet_v2_fp32.onnx");
        OnnxExport.fp32(traced.traced().module(), "the traced mobilenet_v2", fp32, new long[]{1, 3, 224, 224}, PROVENANCE);
        FloatTensor photo = batched(StudyImages.heldOut().get(0).tensor());
        FloatTensor eager = model.forward(photo);
        try (OrtSession s = session(fp32, null)) {
            Agreement a = Agreement.of(eager, run(s, photo));
            assertTrue(a.maxAbsDiff() <= 1e-4 * largest(eager), a.toString());
        }

        Path pt = dir.resolve("mobilenet_v2_fp32.pt");
        traced.traced().module().save(pt.toString());
        List<FloatTensor> calibration = StudyImages.calibration().subList(0, 4).stream().map(ImageInput::tensor).toList();
        Quantizer.Calibration c = Quantizer.calibrate(pt, calibration, ObserverKind.MINMAX, 255, OnnxExport.ACTION,
                CalibrationProgress.NONE);
        Path int8 = dir.resolve("mobilenet_v2_int8.onnx");
        OnnxExport.qdq(c, int8, new long[]{1, 3, 224, 224}, PROVENANCE, List.of());
        ModelProto m = ModelProto.parseFrom(Files.readAllBytes(int8));
        assertEquals(52, m.getGraph().getNodeList().stream().filter(n -> n.getOpType().equals("Conv")).count());
        checkQdqPattern(m, 52);
        Path optimized = dir.resolve("mobilenet_v2_int8_optimized.onnx");
        try (OrtSession s = session(int8, optimized)) {
            run(s, photo);
        }
        List<String> ops = ModelProto.parseFrom(Files.readAllBytes(optimized)).getGraph().getNodeList().stream()
                .map(NodeProto::getOpType).toList();
        assertEquals(52, ops.stream().filter("QLinearConv"::equals).count(), ops.toString());
        assertEquals(10, ops.stream().filter("QLinearAdd"::equals).count(), ops.toString());
        assertFalse(ops.contains("Conv") || ops.contains("Clip"), ops.toString());
    }

    /**
     * The writer's less common paths: a standalone clamp (its interval excludes 0, so it is not fused), average
     * pooling, an adaptive pool to 2x2 (written as AveragePool), a linear layer over a 4-D tensor (MatMul + Add)
     * with a fused ReLU, and a flatten that merges the batch (so the batch cannot stay dynamic).
     */
    @Test
    void lessCommonOpsInFp32AndInt8() throws Exception {
        Path in = dir.resolve("odd_ops.pt");
        java.util.Random rnd = new java.util.Random(4);
        var mod = QuantTestModels.module("OddOps");
        mod.register_parameter("w", QuantTestModels.tensor(QuantTestModels.gaussian(rnd, 8 * 3 * 9, 0, 0.3), 8, 3, 3, 3), false);
        mod.register_parameter("b", QuantTestModels.tensor(QuantTestModels.gaussian(rnd, 8, 0.5, 0.2), 8), false);
        mod.register_parameter("lw", QuantTestModels.tensor(QuantTestModels.gaussian(rnd, 3 * 2, 0, 0.5), 3, 2), false);
        mod.register_parameter("lb", QuantTestModels.tensor(QuantTestModels.gaussian(rnd, 3, 0.1, 0.1), 3), false);
        mod.define("""
                def forward(self, x: Tensor) -> Tensor:
                    y = torch.conv2d(x, self.w, self.b, [1, 1], [1, 1], [1, 1], 1)
                    y = torch.clamp(y, 0.25, 1.5)
                    y = torch.avg_pool2d(y, [2, 2], [2, 2], [0, 0], False, True, None)
                    y = torch.adaptive_avg_pool2d(y, [2, 2])
                    y = torch.relu(torch.linear(y, self.lw, self.lb))
                    return torch.flatten(y, 0, -1)
                """);
        mod.save(in.toString());

        Path fp32 = dir.resolve("odd_ops.onnx");
        OnnxExport.Result r = OnnxExport.fp32(in, fp32, new long[]{2, 3, 8, 8}, PROVENANCE);
        assertFalse(r.dynamicBatch(), "flatten(0, -1) merges the batch");
        ModelProto m = ModelProto.parseFrom(Files.readAllBytes(fp32));
        assertEquals(List.of("Conv", "Clip", "AveragePool", "AveragePool", "MatMul", "Add", "Relu", "Reshape"),
                m.getGraph().getNodeList().stream().map(NodeProto::getOpType).toList());
        assertDims(m.getGraph().getOutput(0), "logits", "96");
        FloatTensor x = random(new long[]{2, 3, 8, 8}, 9);
        try (OrtSession s = session(fp32, null); Model ref = Runtimes.load(in)) {
            FloatTensor expected = ref.forward(x);
            FloatTensor got = run(s, x);
            assertArrayEquals(expected.shape(), got.shape());
            assertTrue(Agreement.of(new FloatTensor(new long[]{1, 96}, expected.data()), new FloatTensor(new long[]{1, 96}, got.data()))
                    .maxAbsDiff() <= 1e-4 * largest(expected));
        }

        List<FloatTensor> calibration = new ArrayList<>();
        for (int i = 0; i < 8; i++) calibration.add(random(new long[]{1, 3, 8, 8}, 100 + i));
        Quantizer.Calibration c = Quantizer.calibrate(in, calibration, ObserverKind.MINMAX, 255, OnnxExport.ACTION, CalibrationProgress.NONE);
        Path int8 = dir.resolve("odd_ops_int8.onnx");
        OnnxExport.qdq(c, int8, new long[]{1, 3, 8, 8}, PROVENANCE, List.of());
        List<String> ops = ModelProto.parseFrom(Files.readAllBytes(int8)).getGraph().getNodeList().stream()
                .map(NodeProto::getOpType).filter(o -> !o.equals("QuantizeLinear") && !o.equals("DequantizeLinear")).toList();
        assertEquals(List.of("Conv", "Clip", "AveragePool", "AveragePool", "MatMul", "Add", "Reshape"), ops,
                "the standalone clamp stays a Clip; the linear layer's ReLU is in its output range");
        FloatTensor probe = random(new long[]{1, 3, 8, 8}, 100);
        try (OrtSession s = session(int8, null); Model ref = Runtimes.load(in)) {
            FloatTensor expected = ref.forward(probe);
            FloatTensor got = run(s, probe);
            double signal = 0, noise = 0;
            for (int i = 0; i < expected.data().length; i++) {
                signal += expected.data()[i] * expected.data()[i];
                noise += Math.pow(expected.data()[i] - got.data()[i], 2);
            }
            assertTrue(Fidelity.sqnrDb(signal, noise) > 25, "SQNR " + Fidelity.sqnrDb(signal, noise));
        }
    }

    // ---- helpers ----

    static void assertDims(ValueInfoProto v, String name, String... dims) {
        assertEquals(name, v.getName());
        var shape = v.getType().getTensorType().getShape();
        assertEquals(dims.length, shape.getDimCount());
        for (int i = 0; i < dims.length; i++) {
            var d = shape.getDim(i);
            assertEquals(dims[i], d.hasDimParam() ? d.getDimParam() : Long.toString(d.getDimValue()), "dim " + i + " of " + name);
        }
    }

    static OrtSession session(Path model, Path optimizedOut) throws Exception {
        try (OrtSession.SessionOptions o = new OrtSession.SessionOptions()) {
            o.setIntraOpNumThreads(1);
            o.setInterOpNumThreads(1);
            o.setOptimizationLevel(OrtSession.SessionOptions.OptLevel.ALL_OPT);
            if (optimizedOut != null) o.setOptimizedModelFilePath(optimizedOut.toString());
            return OrtEnvironment.getEnvironment().createSession(model.toString(), o);
        }
    }

    static FloatTensor run(OrtSession s, FloatTensor x) throws Exception {
        try (OnnxTensor in = OnnxTensor.createTensor(OrtEnvironment.getEnvironment(), FloatBuffer.wrap(x.data()), x.shape());
             OrtSession.Result r = s.run(Map.of("input", in))) {
            OnnxTensor o = (OnnxTensor) r.get("logits").orElseThrow();
            FloatBuffer b = o.getFloatBuffer();
            float[] d = new float[b.remaining()];
            b.get(d);
            return new FloatTensor(o.getInfo().getShape(), d);
        }
    }

    static FloatTensor random(long[] shape, long seed) {
        int n = 1;
        for (long d : shape) n *= (int) d;
        float[] d = new float[n];
        SplittableRandom r = new SplittableRandom(seed);
        for (int i = 0; i < n; i++) d[i] = (float) r.nextGaussian();
        return new FloatTensor(shape, d);
    }

    static FloatTensor batched(FloatTensor x) {
        return x.dim() == 3 ? new FloatTensor(new long[]{1, x.size(0), x.size(1), x.size(2)}, x.data()) : x;
    }

    static double largest(FloatTensor t) {
        double m = 0;
        for (float v : t.data()) m = Math.max(m, Math.abs(v));
        return m;
    }
}
