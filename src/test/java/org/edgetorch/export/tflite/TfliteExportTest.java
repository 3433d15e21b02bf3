package org.edgetorch.export.tflite;

import com.google.flatbuffers.FlatBufferBuilder;
import org.bytedeco.javacpp.FloatPointer;
import org.bytedeco.pytorch.CompilationUnit;
import org.bytedeco.pytorch.JitModule;
import org.bytedeco.pytorch.QualifiedName;
import org.bytedeco.pytorch.global.torch;
import org.edgetorch.TestSupport;
import org.edgetorch.image.ImageInput;
import org.edgetorch.image.StudyImages;
import org.edgetorch.quant.CalibrationProgress;
import org.edgetorch.quant.Fidelity;
import org.edgetorch.quant.ObserverKind;
import org.edgetorch.quant.QuantTestModels;
import org.edgetorch.quant.Quantizer;
import org.edgetorch.runtime.Model;
import org.edgetorch.runtime.ModelFormat;
import org.edgetorch.runtime.Runtimes;
import org.edgetorch.runtime.tflite.TfliteRuntime;
import org.edgetorch.tensor.Agreement;
import org.edgetorch.tensor.FloatTensor;
import org.edgetorch.util.UserError;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.tensorflow.lite.schema.BuiltinOperator;
import org.tensorflow.lite.schema.Operator;
import org.tensorflow.lite.schema.QuantizationParameters;
import org.tensorflow.lite.schema.SubGraph;
import org.tensorflow.lite.schema.Tensor;
import org.tensorflow.lite.schema.TensorType;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Random;
import java.util.SplittableRandom;

import static org.junit.jupiter.api.Assertions.*;

/**
 * .tflite files of small CNNs run by TensorFlow Lite's own interpreter (with and without XNNPACK) and compared
 * with LibTorch; an INT8 file read back with TFLite's schema classes, tensor by tensor; INT8 fidelity beside
 * LibTorch's INT8 of the same calibration; and the refusals (foreign, truncated, unsupported op, input not 4-D).
 */
class TfliteExportTest {
    static final String DESCRIPTION = "edgetorch test: small_cnn.pt";

    @TempDir
    static Path dir;
    static Path smallCnn;
    static Path layouts;

    @BeforeAll
    static void setUp() {
        TestSupport.libtorch();
        smallCnn = dir.resolve("small_cnn.pt");
        QuantTestModels.smallCnn(smallCnn, 5);
        layouts = dir.resolve("layouts.pt");
        layoutsModel(layouts);
    }

    /**
     * Every padding case of the writer: stride-2 3x3 convolution with padding 1 (an explicit PAD), stride-1 with
     * padding 1 (SAME), 1x1 (VALID), a padded stride-2 max pool over values that can be negative (PADV2 with the
     * lowest value), and a flatten of a 2x2 map with 6 channels (TRANSPOSE to NCHW order before RESHAPE).
     */
    static void layoutsModel(Path file) {
        Random r = new Random(11);
        JitModule m = new JitModule(new QualifiedName("__torch__.edgetorch.test.Layouts"), new CompilationUnit(), true);
        m.register_parameter("a", tensor(gaussian(r, 6 * 3 * 9, 0.3), 6, 3, 3, 3), false);
        m.register_parameter("a_b", tensor(gaussian(r, 6, 0.1), 6), false);
        m.register_parameter("b", tensor(gaussian(r, 6 * 6 * 9, 0.2), 6, 6, 3, 3), false);
        m.register_parameter("c", tensor(gaussian(r, 6 * 6, 0.4), 6, 6, 1, 1), false);
        m.register_parameter("fc", tensor(gaussian(r, 5 * 24, 0.3), 5, 24), false);
        m.register_parameter("fc_b", tensor(gaussian(r, 5, 0.1), 5), false);
        m.define("""
                def forward(self, x: Tensor) -> Tensor:
                    y = torch.conv2d(x, self.a, self.a_b, [2, 2], [1, 1], [1, 1], 1)
                    y = torch.relu(y)
                    y = torch.conv2d(y, self.b, None, [1, 1], [1, 1], [1, 1], 1)
                    y = torch.conv2d(y, self.c, None, [1, 1], [0, 0], [1, 1], 1)
                    y = torch.max_pool2d(y, [3, 3], [2, 2], [1, 1], [1, 1], False)
                    y = torch.flatten(y, 1, -1)
                    return torch.linear(y, self.fc, self.fc_b)
                """);
        m.save(file.toString());
    }

    @Test
    void fp32MatchesLibTorchWithAndWithoutXnnpack() {
        for (Path src : List.of(smallCnn, layouts)) {
            long[] shape = src == layouts ? new long[]{1, 3, 8, 8} : new long[]{1, 3, 32, 32};
            Path out = dir.resolve(src.getFileName() + ".tflite");
            TfliteExport.Result r = TfliteExport.fp32(src, out, shape, DESCRIPTION);
            assertEquals(ModelFormat.TFLITE, ModelFormat.of(out));
            try (Model ref = Runtimes.load(src); Model xnn = Runtimes.load(out, true); Model builtin = Runtimes.load(out, false)) {
                assertEquals(org.edgetorch.runtime.InputLayout.NHWC, xnn.inputLayout());
                for (int seed = 1; seed <= 3; seed++) {
                    FloatTensor x = random(shape, seed);
                    FloatTensor expected = ref.forward(x);
                    for (Model m : List.of(xnn, builtin)) {
                        FloatTensor got = m.forward(x);
                        assertArrayEquals(expected.shape(), got.shape());
                        Agreement a = Agreement.of(expected, got);
                        assertTrue(a.maxAbsDiff() <= 1e-4 * largest(expected), src + ": " + a);
                    }
                }
            }
            if (src == layouts) {
                assertTrue(r.ops().containsKey("PAD") && r.ops().containsKey("PADV2") && r.ops().containsKey("TRANSPOSE"), r.ops().toString());
            }
        }
    }

    @Test
    void int8FileReadBackThroughTheSchemaClasses() throws Exception {
        List<FloatTensor> calibration = StudyImages.calibration().subList(0, 4).stream().map(ImageInput::tensor).toList();
        Quantizer.Calibration c = Quantizer.calibrate(smallCnn, calibration, ObserverKind.MINMAX, 255, TfliteWriter.ACTION,
                CalibrationProgress.NONE);
        long[] shape = {1, 3, 224, 224};
        byte[] bytes = TfliteWriter.int8(c.graph(), c.activations(), shape, false, DESCRIPTION);
        var model = org.tensorflow.lite.schema.Model.getRootAsModel(ByteBuffer.wrap(bytes).order(ByteOrder.LITTLE_ENDIAN));
        assertEquals(DESCRIPTION, model.description());
        assertEquals(TfliteWriter.SCHEMA_VERSION, model.version());
        SubGraph g = model.subgraphs(0);
        Tensor in = g.tensors(g.inputs(0));
        assertEquals(TensorType.FLOAT32, in.type());
        assertArrayEquals(new int[]{1, 224, 224, 3}, shape(in));
        Tensor out = g.tensors(g.outputs(0));
        assertEquals(TensorType.FLOAT32, out.type());
        assertArrayEquals(new int[]{1, 10}, shape(out));
        List<String> ops = new ArrayList<>();
        for (int i = 0; i < g.operatorsLength(); i++) {
            Operator op = g.operators(i);
            int code = model.operatorCodes((int) op.opcodeIndex()).builtinCode();
            ops.add(BuiltinOperator.name(code));
            Tensor y = g.tensors(op.outputs(0));
            if (code == BuiltinOperator.CONV_2D || code == BuiltinOperator.DEPTHWISE_CONV_2D || code == BuiltinOperator.FULLY_CONNECTED) {
                Tensor x = g.tensors(op.inputs(0)), w = g.tensors(op.inputs(1)), b = g.tensors(op.inputs(2));
                assertEquals(TensorType.INT8, x.type());
                assertEquals(TensorType.INT8, y.type());
                assertEquals(TensorType.INT8, w.type());
                assertEquals(TensorType.INT32, b.type());
                int[] ws = shape(w);
                int channels = code == BuiltinOperator.DEPTHWISE_CONV_2D ? ws[3] : ws[0];
                QuantizationParameters wq = w.quantization();
                int expectScales = code == BuiltinOperator.FULLY_CONNECTED ? 1 : channels;
                assertEquals(expectScales, wq.scaleLength(), w.name());
                assertEquals(code == BuiltinOperator.DEPTHWISE_CONV_2D ? 3 : 0, wq.quantizedDimension(), w.name());
                for (int k = 0; k < wq.zeroPointLength(); k++) assertEquals(0, wq.zeroPoint(k), w.name());
                ByteBuffer data = model.buffers((int) w.buffer()).dataAsByteBuffer();
                assertEquals(Arrays.stream(ws).reduce(1, (p, v) -> p * v), data.remaining(), w.name());
                while (data.hasRemaining()) assertTrue(data.get() >= -127, w.name() + ": -128 in a weight");
                QuantizationParameters bq = b.quantization();
                float inScale = x.quantization().scale(0);
                assertEquals(wq.scaleLength(), bq.scaleLength(), b.name());
                for (int k = 0; k < bq.scaleLength(); k++) {
                    assertEquals(inScale * wq.scale(k), bq.scale(k), 1e-6 * bq.scale(k), b.name());
                    assertEquals(0, bq.zeroPoint(k));
                }
                assertEquals(channels, shape(b)[0]);
                assertEquals(1, y.quantization().scaleLength());
                assertTrue(y.quantization().zeroPoint(0) >= -128 && y.quantization().zeroPoint(0) <= 127);
            }
            if (code == BuiltinOperator.MAX_POOL_2D || code == BuiltinOperator.AVERAGE_POOL_2D || code == BuiltinOperator.RESHAPE) {
                Tensor x = g.tensors(op.inputs(0));
                assertEquals(x.quantization().scale(0), y.quantization().scale(0), y.name());
                assertEquals(x.quantization().zeroPoint(0), y.quantization().zeroPoint(0), y.name());
            }
        }
        assertEquals(List.of("QUANTIZE", "PAD", "CONV_2D", "DEPTHWISE_CONV_2D", "ADD", "MAX_POOL_2D", "AVERAGE_POOL_2D", "RESHAPE",
                "FULLY_CONNECTED", "DEQUANTIZE"), ops);
        // every tensor: a type the op set uses, a static shape, and int8/int32 ones quantized
        for (int i = 0; i < g.tensorsLength(); i++) {
            Tensor t = g.tensors(i);
            for (int d : shape(t)) assertTrue(d >= 1, t.name());
            if (t.type() == TensorType.INT8) assertTrue(t.quantization() != null && t.quantization().scaleLength() >= 1, t.name());
            if (t.type() == TensorType.INT8) {
                for (int k = 0; k < t.quantization().scaleLength(); k++) assertTrue(t.quantization().scale(k) > 0, t.name());
            }
        }
        // activation parameters are edgetorch's uint8 calibration shifted by 128
        Tensor quantizedInput = g.tensors(g.operators(0).outputs(0));
        assertEquals((float) c.activations().get(0).scale(), quantizedInput.quantization().scale(0), 0f);
        assertEquals(c.activations().get(0).zeroPoint() - 128, quantizedInput.quantization().zeroPoint(0));
    }

    @Test
    void int8FollowsFp32LikeLibTorchInt8AndInt8IoAgrees() throws Exception {
        List<FloatTensor> calibration = StudyImages.calibration().subList(0, 6).stream().map(ImageInput::tensor).toList();
        List<FloatTensor> heldOut = StudyImages.heldOut().subList(0, 4).stream().map(ImageInput::tensor).toList();
        Quantizer.Calibration c = Quantizer.calibrate(smallCnn, calibration, ObserverKind.MINMAX, 255, TfliteWriter.ACTION,
                CalibrationProgress.NONE);
        long[] shape = {1, 3, 224, 224};
        Path out = dir.resolve("small_int8.tflite");
        TfliteExport.Result r = TfliteExport.int8(c, out, shape, false, DESCRIPTION, heldOut);
        Path outIo = dir.resolve("small_int8_io.tflite");
        TfliteExport.int8(c, outIo, shape, true, DESCRIPTION, List.of());
        Agreement tflite;
        try (Model fp32 = Runtimes.load(smallCnn); Model q = Runtimes.load(out)) {
            tflite = Fidelity.compare(fp32, q, heldOut);
        }
        Path pt = dir.resolve("small_int8_onednn.pt");
        Quantizer.quantizeStatic(smallCnn, pt, "onednn", calibration, ObserverKind.MINMAX);
        Agreement libtorch;
        try (Model fp32 = Runtimes.load(smallCnn); Model q = Runtimes.load(pt)) {
            libtorch = Fidelity.compare(fp32, q, heldOut);
        }
        System.out.printf("small CNN INT8 SQNR vs FP32: TFLite %.2f dB, LibTorch onednn %.2f dB%n", tflite.sqnrDb(), libtorch.sqnrDb());
        assertTrue(tflite.sqnrDb() >= 25, tflite.toString());
        // within 1 dB of LibTorch's INT8 of the same calibration, or better
        assertTrue(tflite.sqnrDb() >= libtorch.sqnrDb() - 1.0, "TFLite " + tflite + " vs LibTorch " + libtorch);
        assertEquals(tflite.sqnrDb(), r.fidelity().sqnrDb(), 1.0);
        // int8 input/output: the same integer network; only the quantization of the input moves into Java
        try (Model a = Runtimes.load(out, false); Model b = Runtimes.load(outIo, false)) {
            for (FloatTensor x : heldOut) {
                FloatTensor bx = x.dim() == 3 ? new FloatTensor(new long[]{1, x.size(0), x.size(1), x.size(2)}, x.data()) : x;
                Agreement ab = Agreement.of(a.forward(bx), b.forward(bx));
                assertTrue(ab.sqnrDb() > 30, ab.toString());
            }
        }
        var m = org.tensorflow.lite.schema.Model.getRootAsModel(ByteBuffer.wrap(Files.readAllBytes(outIo)));
        assertEquals(TensorType.INT8, m.subgraphs(0).tensors(m.subgraphs(0).inputs(0)).type());
        assertEquals(TensorType.INT8, m.subgraphs(0).tensors(m.subgraphs(0).outputs(0)).type());
    }

    @Test
    void unsupportedOpIsNamedAndNothingIsWritten() {
        Path in = dir.resolve("exp.pt");
        QuantTestModels.withExp(in);
        Path out = dir.resolve("exp.tflite");
        UserError e = assertThrows(UserError.class, () -> TfliteExport.fp32(in, out, new long[]{1, 3, 16, 16}, DESCRIPTION));
        assertTrue(e.getMessage().startsWith("cannot export to TFLite: unsupported operation aten::exp"), e.getMessage());
        assertFalse(Files.exists(out));
    }

    @Test
    void groupedConvolutionIsRefusedByName() throws Exception {
        Path in = dir.resolve("grouped.pt");
        JitModule m = new JitModule(new QualifiedName("__torch__.edgetorch.test.Grouped"), new CompilationUnit(), true);
        m.register_parameter("w", tensor(gaussian(new Random(2), 4 * 2 * 9, 0.3), 4, 2, 3, 3), false);
        m.define("""
                def forward(self, x: Tensor) -> Tensor:
                    return torch.conv2d(x, self.w, None, [1, 1], [1, 1], [1, 1], 2)
                """);
        m.save(in.toString());
        Path out = dir.resolve("grouped.tflite");
        Files.writeString(out, "previous");
        UserError e = assertThrows(UserError.class, () -> TfliteExport.fp32(in, out, new long[]{1, 4, 8, 8}, DESCRIPTION));
        assertTrue(e.getMessage().startsWith("cannot export to TFLite: op #"), e.getMessage());
        assertTrue(e.getMessage().contains("aten::conv2d") && e.getMessage().contains("grouped convolution (groups=2"), e.getMessage());
        assertEquals("previous", Files.readString(out));
    }

    @Test
    void foreignTruncatedAndNon4dFilesAreOneLineErrors() throws Exception {
        Path good = dir.resolve("for_truncation.tflite");
        TfliteExport.fp32(smallCnn, good, new long[]{1, 3, 32, 32}, DESCRIPTION);
        byte[] bytes = Files.readAllBytes(good);

        Path truncated = dir.resolve("truncated.tflite");
        Files.write(truncated, Arrays.copyOf(bytes, bytes.length / 3));
        assertLoadRefused(truncated, "truncated or damaged");

        Path foreign = dir.resolve("foreign.tflite");
        Files.write(foreign, "this is not a flatbuffer at all, just text".getBytes());
        assertLoadRefused(foreign, "not a TensorFlow Lite file");

        Path ptNamedTflite = dir.resolve("archive.tflite");
        Files.copy(smallCnn, ptNamedTflite);
        assertThrows(UserError.class, () -> Runtimes.load(ptNamedTflite));

        Path flat = dir.resolve("flat.tflite");
        Files.write(flat, reluOn(new int[]{1, 8}));
        assertLoadRefused(flat, "edgetorch feeds one 4-D image batch");

        // and the tiny model itself is fine when its input is 4-D: the refusal is about the input only
        Path fourD = dir.resolve("relu4d.tflite");
        Files.write(fourD, reluOn(new int[]{1, 2, 2, 3}));
        try (Model m = Runtimes.load(fourD)) {
            FloatTensor x = new FloatTensor(new long[]{1, 3, 2, 2}, new float[]{-1, 2, -3, 4, 5, -6, 7, -8, 9, 10, -11, 12});
            FloatTensor y = m.forward(x);
            assertArrayEquals(new float[]{0, 2, 0, 4, 5, 0, 7, 0, 9, 10, 0, 12}, y.data());
            UserError wrong = assertThrows(UserError.class, () -> m.forward(new FloatTensor(new long[]{1, 3, 4, 4}, new float[48])));
            assertTrue(wrong.getMessage().contains("but it was given [1, 3, 4, 4]"), wrong.getMessage());
            m.close();
            assertThrows(IllegalStateException.class, () -> m.forward(x));
        }
    }

    static void assertLoadRefused(Path file, String words) {
        UserError e = assertThrows(UserError.class, () -> Runtimes.load(file));
        assertTrue(e.getMessage().contains(words), e.getMessage());
        assertFalse(e.getMessage().contains("\n"), e.getMessage());
    }

    /** A one-op model (RELU) written with the schema classes, independent of edgetorch's writer. */
    static byte[] reluOn(int[] shape) {
        FlatBufferBuilder b = new FlatBufferBuilder(1024);
        org.tensorflow.lite.schema.Buffer.startBuffer(b);
        int empty = org.tensorflow.lite.schema.Buffer.endBuffer(b);
        int[] tensors = new int[2];
        for (int i = 0; i < 2; i++) {
            int name = b.createString(i == 0 ? "x" : "y");
            int s = Tensor.createShapeVector(b, shape);
            Tensor.startTensor(b);
            Tensor.addShape(b, s);
            Tensor.addType(b, TensorType.FLOAT32);
            Tensor.addBuffer(b, 0);
            Tensor.addName(b, name);
            tensors[i] = Tensor.endTensor(b);
        }
        int ins = Operator.createInputsVector(b, new int[]{0});
        int outs = Operator.createOutputsVector(b, new int[]{1});
        Operator.startOperator(b);
        Operator.addOpcodeIndex(b, 0);
        Operator.addInputs(b, ins);
        Operator.addOutputs(b, outs);
        int op = Operator.endOperator(b);
        org.tensorflow.lite.schema.OperatorCode.startOperatorCode(b);
        org.tensorflow.lite.schema.OperatorCode.addDeprecatedBuiltinCode(b, (byte) BuiltinOperator.RELU);
        org.tensorflow.lite.schema.OperatorCode.addBuiltinCode(b, BuiltinOperator.RELU);
        org.tensorflow.lite.schema.OperatorCode.addVersion(b, 1);
        int code = org.tensorflow.lite.schema.OperatorCode.endOperatorCode(b);
        int sg = SubGraph.createSubGraph(b, SubGraph.createTensorsVector(b, tensors), SubGraph.createInputsVector(b, new int[]{0}),
                SubGraph.createOutputsVector(b, new int[]{1}), SubGraph.createOperatorsVector(b, new int[]{op}), b.createString("main"));
        int codes = org.tensorflow.lite.schema.Model.createOperatorCodesVector(b, new int[]{code});
        int sgs = org.tensorflow.lite.schema.Model.createSubgraphsVector(b, new int[]{sg});
        int bufs = org.tensorflow.lite.schema.Model.createBuffersVector(b, new int[]{empty});
        org.tensorflow.lite.schema.Model.startModel(b);
        org.tensorflow.lite.schema.Model.addVersion(b, 3);
        org.tensorflow.lite.schema.Model.addOperatorCodes(b, codes);
        org.tensorflow.lite.schema.Model.addSubgraphs(b, sgs);
        org.tensorflow.lite.schema.Model.addBuffers(b, bufs);
        org.tensorflow.lite.schema.Model.finishModelBuffer(b, org.tensorflow.lite.schema.Model.endModel(b));
        return b.sizedByteArray();
    }

    // ---- helpers ----

    static int[] shape(Tensor t) {
        int[] s = new int[t.shapeLength()];
        for (int i = 0; i < s.length; i++) s[i] = t.shape(i);
        return s;
    }

    static float[] gaussian(Random r, int n, double std) {
        float[] v = new float[n];
        for (int i = 0; i < n; i++) v[i] = (float) (std * r.nextGaussian());
        return v;
    }

    static org.bytedeco.pytorch.Tensor tensor(float[] data, long... shape) {
        try (FloatPointer p = new FloatPointer(data)) {
            return torch.from_blob(p, shape).clone();
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

    static double largest(FloatTensor t) {
        double m = 0;
        for (float v : t.data()) m = Math.max(m, Math.abs(v));
        return m;
    }
}
