package org.edgetorch.image;

import org.bytedeco.opencv.opencv_core.Mat;
import org.edgetorch.tensor.FloatTensor;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

import static org.bytedeco.opencv.global.opencv_imgcodecs.IMWRITE_JPEG_QUALITY;
import static org.bytedeco.opencv.global.opencv_imgcodecs.IMWRITE_WEBP_QUALITY;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

class ImagePreprocessorTest {
    private static final int P = 224 * 224;

    /** Normalized value of an 8-bit level in channel c (0 = R), in double precision. */
    private static double norm(int level, int c) {
        double[] mean = {0.485, 0.456, 0.406};
        double[] std = {0.229, 0.224, 0.225};
        return (level / 255.0 - mean[c]) / std[c];
    }

    private static void assertConstant(FloatTensor t, int r, int g, int b, double tol, String what) {
        assertArrayEquals(new long[]{1, 3, 224, 224}, t.shape(), what);
        int[] rgb = {r, g, b};
        for (int c = 0; c < 3; c++) {
            for (int i = 0; i < P; i++) {
                double v = t.data()[c * P + i];
                if (Math.abs(v - norm(rgb[c], c)) > tol) {
                    throw new AssertionError(what + ": channel " + c + " index " + i + " is " + v
                            + ", expected " + norm(rgb[c], c));
                }
            }
        }
    }

    @Test
    void normalizationOfKnownLevels() {
        // By hand: R=255 -> (1 - 0.485) / 0.229; G=0 -> -0.456 / 0.224; B=128 -> (128/255 - 0.406) / 0.225.
        byte[] png = TestImages.encode(TestImages.constant(300, 260, 128, 0, 255), ".png");
        FloatTensor t = ImagePreprocessor.standard().preprocess(png, "const.png");
        assertEquals(2.2489083, t.data()[0], 1e-6);
        assertEquals(-2.0357143, t.data()[P], 1e-6);
        assertEquals(0.4264924, t.data()[2 * P], 1e-6);
        assertConstant(t, 255, 0, 128, 1e-6, "constant PNG");
    }

    @ParameterizedTest
    @EnumSource(ResizeMode.class)
    void constantImageStaysConstantInEveryResizeMode(ResizeMode mode) {
        byte[] png = TestImages.encode(TestImages.constant(517, 389, 30, 140, 220), ".png");
        assertConstant(new ImagePreprocessor(mode).preprocess(png, "c.png"), 220, 140, 30, 1e-6, mode.id());
    }

    @Test
    void everyFormatDecodesToRgb() {
        Mat bgr = TestImages.constant(40, 30, 200, 100, 10); // B, G, R
        ImagePreprocessor pre = ImagePreprocessor.standard();
        assertConstant(pre.preprocess(TestImages.encode(bgr, ".png"), "a.png"), 10, 100, 200, 1e-6, "PNG");
        assertConstant(pre.preprocess(TestImages.encode(bgr, ".bmp"), "a.bmp"), 10, 100, 200, 1e-6, "BMP");
        // quality above 100 is lossless WebP in OpenCV
        assertConstant(pre.preprocess(TestImages.encode(bgr, ".webp", IMWRITE_WEBP_QUALITY, 101), "a.webp"), 10, 100, 200, 1e-6, "WebP lossless");
        // lossy codecs: within a few levels on a flat image
        double lossy = 4 * 1 / 255.0 / 0.224;
        assertConstant(pre.preprocess(TestImages.encode(bgr, ".webp", IMWRITE_WEBP_QUALITY, 90), "b.webp"), 10, 100, 200, lossy, "WebP lossy");
        assertConstant(pre.preprocess(TestImages.encode(bgr, ".jpg", IMWRITE_JPEG_QUALITY, 95), "a.jpg"), 10, 100, 200, lossy, "JPEG");
    }

    @Test
    void grayscaleBecomesThreeEqualChannels() {
        Mat gray = TestImages.mat8(33, 20, 1, (x, y, c) -> 77);
        assertConstant(ImagePreprocessor.standard().preprocess(TestImages.encode(gray, ".png"), "g.png"), 77, 77, 77, 1e-6, "gray PNG");
        assertConstant(ImagePreprocessor.standard().preprocess(TestImages.encode(gray, ".jpg"), "g.jpg"), 77, 77, 77, 2 / 255.0 / 0.224, "gray JPEG");
    }

    @Test
    void sixteenBitIsScaledToEightBit() {
        // 257 * v is level v exactly: B=0x8080 -> 128, G=0xFFFF -> 255, R=257*3 -> 3
        Mat m = TestImages.mat16(20, 24, (x, y, c) -> c == 0 ? 0x8080 : c == 1 ? 0xFFFF : 257 * 3);
        assertConstant(ImagePreprocessor.standard().preprocess(TestImages.encode(m, ".png"), "d.png"), 3, 255, 128, 1e-6, "16-bit PNG");
    }

    @Test
    void alphaIsDropped() {
        // varying alpha, constant color: the color comes through unchanged (PIL's convert("RGB") does the same)
        Mat m = TestImages.mat8(25, 25, 4, (x, y, c) -> c == 3 ? (x * 10) % 256 : c == 0 ? 50 : c == 1 ? 60 : 70);
        assertConstant(ImagePreprocessor.standard().preprocess(TestImages.encode(m, ".png"), "rgba.png"), 70, 60, 50, 1e-6, "RGBA PNG");
        assertConstant(ImagePreprocessor.standard().preprocess(TestImages.encode(m, ".webp", IMWRITE_WEBP_QUALITY, 101), "rgba.webp"), 70, 60, 50, 1e-6, "RGBA WebP");
    }

    @Test
    void resizedSizeAndCropOffsetFollowTorchvision() {
        assertArrayEquals(new int[]{256, 256}, ImagePreprocessor.resizedSize(512, 512));
        assertArrayEquals(new int[]{384, 256}, ImagePreprocessor.resizedSize(500, 333)); // int(256*500/333) = int(384.38)
        assertArrayEquals(new int[]{341, 256}, ImagePreprocessor.resizedSize(259, 194)); // int(341.77)
        assertArrayEquals(new int[]{256, 409}, ImagePreprocessor.resizedSize(320, 512)); // int(409.6)
        assertEquals(16, ImagePreprocessor.cropOffset(256));
        assertEquals(48, ImagePreprocessor.cropOffset(321)); // round(48.5) = 48, Python rounds ties to even
        assertEquals(50, ImagePreprocessor.cropOffset(323)); // round(49.5) = 50
        assertEquals(92, ImagePreprocessor.cropOffset(409)); // round(92.5) = 92
    }

    /** Short side already 256: no resize in any mode, so the crop must be the exact source window. */
    @ParameterizedTest
    @EnumSource(ResizeMode.class)
    void centerCropTakesTheTorchvisionWindow(ResizeMode mode) {
        for (int width : new int[]{321, 323}) {
            int height = 256;
            // R = x mod 256, G = y, B = x / 256 * 100: every pixel tells where it came from
            Mat m = TestImages.mat8(width, height, 3, (x, y, c) -> c == 2 ? x % 256 : c == 1 ? y : (x / 256) * 100);
            FloatTensor t = new ImagePreprocessor(mode).preprocess(TestImages.encode(m, ".png"), "grid.png");
            int left = width == 321 ? 48 : 50, top = 16;
            for (int y = 0; y < 224; y += 7) {
                for (int x = 0; x < 224; x += 5) {
                    int sx = x + left, sy = y + top;
                    assertEquals(norm(sx % 256, 0), t.data()[y * 224 + x], 1e-6, mode + " R at " + x + "," + y);
                    assertEquals(norm(sy, 1), t.data()[P + y * 224 + x], 1e-6, mode + " G at " + x + "," + y);
                    assertEquals(norm((sx / 256) * 100, 2), t.data()[2 * P + y * 224 + x], 1e-6, mode + " B at " + x + "," + y);
                }
            }
        }
    }

    /**
     * The antialiased mode against an independent reference computed here in double precision on the
     * full image (PIL's separable triangle filter, widened by the scale factor), then cropped: equal
     * within one 8-bit level (the production code rounds to 8 bits between passes, as PIL does).
     */
    @Test
    void antialiasedResizeMatchesAnIndependentReference() {
        int w = 517, h = 389;
        Mat m = TestImages.mat8(w, h, 3, (x, y, c) -> (int) (127.5 + 127.5 * Math.sin(x * 0.3 * (c + 1) + y * 0.7 * (3 - c))));
        byte[] png = TestImages.encode(m, ".png");
        int[] ref = referenceCrop(m, w, h);
        int anti = maxLevelDiff(ref, new ImagePreprocessor(ResizeMode.ANTIALIAS).cropRgb(png, "wave.png"));
        assertTrue(anti <= 1, "antialias off by " + anti + " levels");
        // the reference tells filters apart: OpenCV's plain bilinear (no antialiasing) is further off
        int linear = maxLevelDiff(ref, new ImagePreprocessor(ResizeMode.LINEAR).cropRgb(png, "wave.png"));
        assertTrue(linear > 10, "linear off by only " + linear + " levels");
    }

    private static int maxLevelDiff(int[] ref, byte[] ours) {
        int max = 0;
        for (int i = 0; i < ref.length; i++) max = Math.max(max, Math.abs(ref[i] - (ours[i] & 0xFF)));
        return max;
    }

    /** Interleaved RGB 224x224 crop of the resized image, computed in double precision. */
    private static int[] referenceCrop(Mat m, int w, int h) {

        int[] size = ImagePreprocessor.resizedSize(w, h); // 340 x 256
        int outW = size[0], outH = size[1];
        java.nio.ByteBuffer src = m.createBuffer();
        double[][] horiz = new double[h * 3][outW];
        for (int y = 0; y < h; y++) {
            for (int c = 0; c < 3; c++) {
                double[] row = new double[w];
                for (int x = 0; x < w; x++) row[x] = src.get((int) (y * m.step() + x * 3 + (2 - c))) & 0xFF;
                horiz[y * 3 + c] = resample1d(row, outW);
            }
        }
        int left = ImagePreprocessor.cropOffset(outW), top = ImagePreprocessor.cropOffset(outH);
        int[] out = new int[224 * 224 * 3];
        for (int x = 0; x < 224; x++) {
            for (int c = 0; c < 3; c++) {
                double[] col = new double[h];
                for (int y = 0; y < h; y++) col[y] = horiz[y * 3 + c][x + left];
                double[] res = resample1d(col, outH);
                for (int y = 0; y < 224; y++) {
                    out[(y * 224 + x) * 3 + c] = (int) Math.max(0, Math.min(255, Math.round(res[y + top])));
                }
            }
        }
        return out;
    }

    /** Triangle-filter resampling of one line, support widened by the shrink factor. */
    private static double[] resample1d(double[] in, int outSize) {
        double scale = (double) in.length / outSize, support = Math.max(scale, 1);
        double[] out = new double[outSize];
        for (int i = 0; i < outSize; i++) {
            double center = (i + 0.5) * scale, sum = 0, wsum = 0;
            int lo = Math.max(0, (int) (center - support) - 1), hi = Math.min(in.length, (int) (center + support) + 2);
            for (int k = lo; k < hi; k++) {
                double d = Math.abs(k + 0.5 - center) / support;
                double wt = d < 1 ? 1 - d : 0;
                sum += wt * in[k];
                wsum += wt;
            }
            out[i] = sum / wsum;
        }
        return out;
    }

    @Test
    void channelOrderIsRgb() {
        // left half red, right half blue (BGR in OpenCV): tensor channel 0 is red
        Mat m = TestImages.mat8(256, 256, 3, (x, y, c) -> (x < 128) == (c == 2) ? 255 : 0);
        FloatTensor t = ImagePreprocessor.standard().preprocess(TestImages.encode(m, ".png"), "rb.png");
        assertEquals(norm(255, 0), t.data()[100 * 224 + 10], 1e-6);   // R on the left
        assertEquals(norm(0, 2), t.data()[2 * P + 100 * 224 + 10], 1e-6);
        assertEquals(norm(0, 0), t.data()[100 * 224 + 200], 1e-6);    // B on the right
        assertEquals(norm(255, 2), t.data()[2 * P + 100 * 224 + 200], 1e-6);
    }
}
