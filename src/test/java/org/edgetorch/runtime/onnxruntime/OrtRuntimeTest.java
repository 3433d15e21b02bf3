package org.edgetorch.runtime.onnxruntime;

import com.google.gson.JsonObject;
import com.google.gson.JsonParser;
import org.edgetorch.runtime.Capability;
import org.edgetorch.runtime.Model;
import org.edgetorch.runtime.PreparedRun;
import org.edgetorch.runtime.Runtimes;
import org.edgetorch.tensor.FloatTensor;
import org.edgetorch.util.UserError;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * ONNX Runtime behind the runtime seam, on a file PyTorch exported (bench/make_test_onnx.py) and the
 * output PyTorch computed for it: the reference is independent of edgetorch.
 */
class OrtRuntimeTest {
    @TempDir
    static Path dir;
    static Path onnx;
    static FloatTensor input;
    static FloatTensor expected;

    @BeforeAll
    static void fixture() throws IOException {
        onnx = dir.resolve("tiny_cnn.onnx");
        try (InputStream in = OrtRuntimeTest.class.getResourceAsStream("/org/edgetorch/runtime/tiny_cnn.onnx")) {
            Files.write(onnx, in.readAllBytes());
        }
        JsonObject io;
        try (InputStream in = OrtRuntimeTest.class.getResourceAsStream("/org/edgetorch/runtime/tiny_cnn_io.json")) {
            io = JsonParser.parseString(new String(in.readAllBytes(), StandardCharsets.UTF_8)).getAsJsonObject();
        }
        input = tensor(io, "input");
        expected = tensor(io, "output");
    }

    private static FloatTensor tensor(JsonObject io, String key) {
        long[] shape = io.getAsJsonArray(key + "_shape").asList().stream().mapToLong(e -> e.getAsLong()).toArray();
        var values = io.getAsJsonArray(key);
        float[] data = new float[values.size()];
        for (int i = 0; i < data.length; i++) data[i] = values.get(i).getAsFloat();
        return new FloatTensor(shape, data);
    }

    @Test
    void runsPyTorchsExportAndMatchesPyTorchsOutput() {
        try (Model m = Runtimes.load(onnx)) {
            FloatTensor y = m.forward(input);
            assertArrayEquals(expected.shape(), y.shape());
            for (int i = 0; i < y.data().length; i++) assertEquals(expected.data()[i], y.data()[i], 1e-5, "logit " + i);
            assertEquals(onnx.toString(), m.source());
        }
    }

    @Test
    void batchDimensionIsDynamic() {
        FloatTensor one = new FloatTensor(new long[]{1, 3, 8, 8}, Arrays.copyOf(input.data(), 3 * 8 * 8));
        try (Model m = Runtimes.load(onnx)) {
            FloatTensor y = m.forward(one);
            assertArrayEquals(new long[]{1, 5}, y.shape());
            for (int i = 0; i < 5; i++) assertEquals(expected.data()[i], y.data()[i], 1e-5);
        }
    }

    @Test
    void preparedRunFoldsTheSameOutput() {
        double sum = 0;
        for (float v : expected.data()) sum += v;
        try (Model m = Runtimes.load(onnx); PreparedRun run = m.prepare(input)) {
            run.run();
            assertEquals(sum, run.consume(), 1e-4);
            assertEquals(0, run.consume(), "the output is released once folded");
            assertTrue(run.description().contains("OrtSession.run"));
        }
    }

    @Test
    void wrongInputShapeIsOneClearLine() {
        try (Model m = Runtimes.load(onnx)) {
            UserError e = assertThrows(UserError.class, () -> m.forward(new FloatTensor(new long[]{1, 3, 224, 224}, new float[3 * 224 * 224])));
            assertEquals(onnx + ": the model's input 'input' is [?, 3, 8, 8], but it was given [1, 3, 224, 224]", e.getMessage());
            assertThrows(UserError.class, () -> m.prepare(new FloatTensor(new long[]{3, 8, 8}, new float[3 * 64])));
        }
    }

    @Test
    void closedModelRefusesUse() {
        Model m = Runtimes.load(onnx);
        m.close();
        m.close(); // twice is harmless
        IllegalStateException e = assertThrows(IllegalStateException.class, () -> m.forward(input));
        assertTrue(e.getMessage().contains("closed"));
        assertThrows(IllegalStateException.class, () -> m.prepare(input));
    }

    @Test
    void truncatedForeignAndEmptyFilesAreUserErrors() throws IOException {
        byte[] whole = Files.readAllBytes(onnx);
        Path truncated = dir.resolve("truncated.onnx");
        Files.write(truncated, Arrays.copyOf(whole, whole.length / 2));
        UserError e = assertThrows(UserError.class, () -> Runtimes.load(truncated));
        assertTrue(e.getMessage().startsWith(truncated + ": ONNX Runtime cannot load it: "), e.getMessage());
        assertFalse(e.getMessage().contains("\n"));

        Path foreign = dir.resolve("foreign.onnx");
        Files.writeString(foreign, "this is not a protobuf message at all, just text\n".repeat(20));
        e = assertThrows(UserError.class, () -> Runtimes.load(foreign));
        assertTrue(e.getMessage().startsWith(foreign + ": ONNX Runtime cannot load it"), e.getMessage());

        Path empty = Files.createFile(dir.resolve("empty.onnx"));
        e = assertThrows(UserError.class, () -> Runtimes.load(empty));
        assertEquals(empty + ": empty file", e.getMessage());

        Path folder = Files.createDirectory(dir.resolve("folder.onnx"));
        e = assertThrows(UserError.class, () -> Runtimes.load(folder));
        assertEquals(folder + ": is a directory, not a regular file; expected a model file (.pt, .ptl, .onnx or .tflite)", e.getMessage());
    }

    @Test
    void capabilities() {
        var ort = Runtimes.get(Runtimes.ONNXRUNTIME);
        assertEquals("onnxruntime", ort.name());
        assertTrue(ort.version().matches("\\d+\\.\\d+\\.\\d+.*"), ort.version());
        assertTrue(ort.hasCapability(Capability.INT8));
        assertFalse(ort.hasCapability(Capability.QUANTIZED_ENGINES));
        assertFalse(ort.hasCapability(Capability.JAVA_MODELS));
        assertTrue(((java.util.List<?>) ort.details().get("providers")).contains("CPU"));
    }
}
