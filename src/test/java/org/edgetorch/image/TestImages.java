package org.edgetorch.image;

import org.bytedeco.javacpp.BytePointer;
import org.bytedeco.javacpp.IntPointer;
import org.bytedeco.opencv.opencv_core.Mat;

import java.nio.ByteBuffer;
import java.nio.ShortBuffer;

import static org.bytedeco.opencv.global.opencv_core.CV_16UC3;
import static org.bytedeco.opencv.global.opencv_core.CV_8UC;
import static org.bytedeco.opencv.global.opencv_imgcodecs.imencode;

/** Small synthetic images made and encoded with OpenCV, for the tests. */
final class TestImages {
    private TestImages() {
    }

    /** Pixel function: channel values in OpenCV's order (B, G, R[, A]) at (x, y). */
    interface Pixel {
        int value(int x, int y, int channel);
    }

    static Mat mat8(int width, int height, int channels, Pixel px) {
        Mat m = new Mat(height, width, CV_8UC(channels));
        ByteBuffer b = m.createBuffer();
        for (int y = 0; y < height; y++) {
            for (int x = 0; x < width; x++) {
                for (int c = 0; c < channels; c++) {
                    b.put((int) (y * m.step() + x * channels + c), (byte) px.value(x, y, c));
                }
            }
        }
        return m;
    }

    static Mat mat16(int width, int height, Pixel px) {
        Mat m = new Mat(height, width, CV_16UC3);
        ShortBuffer b = m.createBuffer();
        for (int y = 0; y < height; y++) {
            for (int x = 0; x < width; x++) {
                for (int c = 0; c < 3; c++) b.put((int) (y * m.step() / 2 + x * 3 + c), (short) px.value(x, y, c));
            }
        }
        return m;
    }

    /** Encodes with OpenCV; {@code ext} like ".png", params as OpenCV's (key, value) pairs. */
    static byte[] encode(Mat m, String ext, int... params) {
        BytePointer out = new BytePointer();
        boolean ok = params.length == 0 ? imencode(ext, m, out) : imencode(ext, m, out, new IntPointer(params));
        if (!ok) throw new IllegalStateException("imencode " + ext + " failed");
        byte[] bytes = new byte[(int) out.limit()];
        out.get(bytes);
        return bytes;
    }

    /** A constant-color 8-bit BGR image. */
    static Mat constant(int width, int height, int b, int g, int r) {
        return mat8(width, height, 3, (x, y, c) -> c == 0 ? b : c == 1 ? g : r);
    }
}
