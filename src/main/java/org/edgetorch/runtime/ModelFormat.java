package org.edgetorch.runtime;

import org.edgetorch.util.InputFiles;
import org.edgetorch.util.UserError;

import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Locale;

/** The model file formats edgetorch runs, each with the runtime that runs it (see {@link Runtimes#choose}). */
public enum ModelFormat {
    /** A TorchScript archive ({@code .pt}): LibTorch. */
    TORCHSCRIPT("torchscript"),
    /** A lite-interpreter archive ({@code .ptl}): LibTorch. */
    LITE("lite"),
    /** An ONNX model ({@code .onnx}): ONNX Runtime. */
    ONNX("onnx"),
    /** A TensorFlow Lite FlatBuffer ({@code .tflite}, identifier "TFL3" at bytes 4..7): TensorFlow Lite. */
    TFLITE("tflite");

    /** The name in reports ({@code kind} of a bench row). */
    public final String id;

    ModelFormat(String id) {
        this.id = id;
    }

    /**
     * The format of a file from its name and first bytes: a zip archive is TorchScript (lite when named
     * {@code .ptl}); {@code .onnx} is ONNX; the "TFL3" identifier or {@code .tflite} is TensorFlow Lite (the
     * runtime names what is wrong with a {@code .tflite} file without it). Pure, for tests.
     */
    public static ModelFormat detect(String fileName, byte[] head) {
        String name = fileName.toLowerCase(Locale.ROOT);
        boolean zip = head.length >= 4 && head[0] == 'P' && head[1] == 'K' && head[2] == 3 && head[3] == 4;
        boolean tfl3 = head.length >= 8 && head[4] == 'T' && head[5] == 'F' && head[6] == 'L' && head[7] == '3';
        if (tfl3 || name.endsWith(".tflite")) {
            if (zip) throw new UserError(fileName + ": named .tflite but it is a zip archive (a TorchScript file?)");
            return TFLITE;
        }
        if (name.endsWith(".onnx")) {
            if (zip) throw new UserError(fileName + ": named .onnx but it is a zip archive (a TorchScript file?)");
            return ONNX;
        }
        if (zip) return name.endsWith(".ptl") ? LITE : TORCHSCRIPT;
        if (name.endsWith(".pt") || name.endsWith(".ptl") || name.endsWith(".pth")) {
            return name.endsWith(".ptl") ? LITE : TORCHSCRIPT; // the loader's archive checks name what is wrong
        }
        throw new UserError(fileName + ": not a model file edgetorch runs (TorchScript .pt, lite .ptl, ONNX .onnx or TensorFlow Lite .tflite)");
    }

    /**
     * The format of a file on disk, from its name and first bytes. It must be a regular file (a folder or
     * {@code /dev/stdin} is refused by what it is, not as an unknown format); messages name its whole path.
     */
    public static ModelFormat of(Path file) {
        InputFiles.requireRegularFile(file, "a model file (.pt, .ptl, .onnx or .tflite)");
        byte[] head = new byte[8];
        int n;
        try (InputStream in = Files.newInputStream(file)) {
            n = Math.max(0, in.readNBytes(head, 0, head.length));
        } catch (IOException e) {
            n = 0;
        }
        return detect(file.toString(), java.util.Arrays.copyOf(head, n));
    }
}
