package org.edgetorch.runtime;

import org.edgetorch.util.UserError;
import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The choice of runtime and format: pure functions, no native code. */
class RuntimesTest {
    private static final byte[] ZIP = {'P', 'K', 3, 4};
    private static final byte[] PROTOBUF = {0x08, 0x07, 0x12, 0x07};
    /** The start of a FlatBuffer with TFLite's file identifier at bytes 4..7. */
    private static final byte[] TFL3 = {0x1c, 0, 0, 0, 'T', 'F', 'L', '3'};

    @Test
    void eachFormatHasItsRuntime() {
        assertEquals("libtorch", Runtimes.choose(ModelFormat.TORCHSCRIPT));
        assertEquals("libtorch", Runtimes.choose(ModelFormat.LITE));
        assertEquals("onnxruntime", Runtimes.choose(ModelFormat.ONNX));
        assertEquals("tflite", Runtimes.choose(ModelFormat.TFLITE));
        for (ModelFormat f : ModelFormat.values()) Runtimes.choose(f); // every format has one
    }

    @Test
    void formatFromNameAndContent() {
        assertEquals(ModelFormat.TORCHSCRIPT, ModelFormat.detect("m.pt", ZIP));
        assertEquals(ModelFormat.LITE, ModelFormat.detect("m.ptl", ZIP));
        assertEquals(ModelFormat.TORCHSCRIPT, ModelFormat.detect("model-without-extension", ZIP));
        assertEquals(ModelFormat.ONNX, ModelFormat.detect("m.onnx", PROTOBUF));
        assertEquals(ModelFormat.ONNX, ModelFormat.detect("M.ONNX", new byte[0]));
        assertEquals(ModelFormat.TFLITE, ModelFormat.detect("m.tflite", TFL3));
        assertEquals(ModelFormat.TFLITE, ModelFormat.detect("model-without-extension", TFL3));
        // a .tflite without the identifier still goes to TFLite's loader, which says what is wrong with it
        assertEquals(ModelFormat.TFLITE, ModelFormat.detect("m.tflite", PROTOBUF));
        // a damaged .pt still goes to LibTorch's archive checks, which say what is wrong with it
        assertEquals(ModelFormat.TORCHSCRIPT, ModelFormat.detect("m.pt", PROTOBUF));
    }

    @Test
    void unknownOrMislabelledFilesAreRefusedByName() {
        UserError e = assertThrows(UserError.class, () -> ModelFormat.detect("photo.jpg", new byte[]{(byte) 0xff, (byte) 0xd8}));
        assertTrue(e.getMessage().startsWith("photo.jpg: not a model file"), e.getMessage());
        e = assertThrows(UserError.class, () -> ModelFormat.detect("m.onnx", ZIP));
        assertTrue(e.getMessage().contains("named .onnx but it is a zip archive"), e.getMessage());
        e = assertThrows(UserError.class, () -> ModelFormat.detect("m.tflite", ZIP));
        assertTrue(e.getMessage().contains("named .tflite but it is a zip archive"), e.getMessage());
    }

    @Test
    void missingFileIsNamed() {
        UserError e = assertThrows(UserError.class, () -> ModelFormat.of(java.nio.file.Path.of("/nonexistent/m.onnx")));
        assertEquals("/nonexistent/m.onnx: no such file", e.getMessage());
    }
}
