package org.edgetorch.image;

import org.bytedeco.javacpp.BytePointer;
import org.bytedeco.javacpp.PointerScope;
import org.bytedeco.opencv.opencv_core.Mat;
import org.bytedeco.opencv.opencv_core.Rect;
import org.bytedeco.opencv.opencv_core.Size;
import org.edgetorch.tensor.FloatTensor;
import org.edgetorch.util.UserError;

import java.nio.ByteBuffer;

import static org.bytedeco.opencv.global.opencv_core.CV_16U;
import static org.bytedeco.opencv.global.opencv_core.CV_8U;
import static org.bytedeco.opencv.global.opencv_core.extractChannel;
import static org.bytedeco.opencv.global.opencv_imgcodecs.IMREAD_UNCHANGED;
import static org.bytedeco.opencv.global.opencv_imgcodecs.imdecode;
import static org.bytedeco.opencv.global.opencv_imgproc.COLOR_BGR2RGB;
import static org.bytedeco.opencv.global.opencv_imgproc.COLOR_BGRA2RGB;
import static org.bytedeco.opencv.global.opencv_imgproc.COLOR_GRAY2RGB;
import static org.bytedeco.opencv.global.opencv_imgproc.INTER_AREA;
import static org.bytedeco.opencv.global.opencv_imgproc.INTER_LINEAR;
import static org.bytedeco.opencv.global.opencv_imgproc.cvtColor;
import static org.bytedeco.opencv.global.opencv_imgproc.resize;

/**
 * ImageNet preprocessing as torchvision's {@code Resize(256), CenterCrop(224), ToTensor(),
 * Normalize(mean, std)} does it: decode (OpenCV) to 8-bit RGB, resize so the shorter side is 256,
 * center-crop 224x224, scale to [0, 1], normalize, NCHW float32. Sizes and crop offsets follow
 * torchvision's rounding exactly; the resize filter is chosen by {@link ResizeMode}.
 */
public final class ImagePreprocessor {
    public static final int RESIZE = 256;
    public static final int CROP = 224;
    public static final float[] MEAN = {0.485f, 0.456f, 0.406f};
    public static final float[] STD = {0.229f, 0.224f, 0.225f};

    private static final ImagePreprocessor STANDARD = new ImagePreprocessor(ResizeMode.DEFAULT);

    private final ResizeMode resizeMode;

    public ImagePreprocessor(ResizeMode resizeMode) {
        this.resizeMode = resizeMode;
    }

    /** The default preprocessing, closest to torchvision's (see README.md). */
    public static ImagePreprocessor standard() {
        return STANDARD;
    }

    public ResizeMode resizeMode() {
        return resizeMode;
    }

    /** Preprocesses one encoded image (JPEG, PNG, BMP or WebP); {@code name} appears in error messages. */
    public FloatTensor preprocess(byte[] encoded, String name) {
        return normalize(cropRgb(encoded, name));
    }

    /** The 224x224 center crop after resizing, interleaved 8-bit RGB (before scaling and normalization). */
    public byte[] cropRgb(byte[] encoded, String name) {
        ImageHeader header = ImageHeader.inspect(encoded, name);
        try (PointerScope scope = new PointerScope()) {
            Mat rgb = decodeRgb(encoded, header, name);
            int w = rgb.cols(), h = rgb.rows();
            int[] size = resizedSize(w, h);
            int left = cropOffset(size[0]), top = cropOffset(size[1]);
            return switch (resizeMode) {
                case ANTIALIAS -> {
                    long step = rgb.step();
                    ByteBuffer pixels = rgb.data().capacity(step * h).asByteBuffer();
                    yield AntialiasedResize.resizeWindow(pixels, w, h, step, size[0], size[1], left, top, CROP, CROP);
                }
                case LINEAR -> openCvResizeCrop(rgb, size, left, top, INTER_LINEAR);
                case AREA -> openCvResizeCrop(rgb, size, left, top, INTER_AREA);
            };
        } catch (UserError e) {
            throw e;
        } catch (RuntimeException e) { // cv::Exception surfaces as a RuntimeException with a multi-line message
            throw new UserError(name + ": cannot decode " + header.format() + " image: " + firstLine(e.getMessage()), e);
        }
    }

    /** Output size {@code {width, height}} of torchvision's {@code Resize(256)}: shorter side 256, longer truncated. */
    public static int[] resizedSize(int width, int height) {
        if (width <= height) return new int[]{RESIZE, (int) ((double) RESIZE * height / width)};
        return new int[]{(int) ((double) RESIZE * width / height), RESIZE};
    }

    /** torchvision's {@code CenterCrop} offset: Python's {@code round((size - 224) / 2)}, ties to even. */
    public static int cropOffset(int size) {
        return (int) Math.rint((size - CROP) / 2.0);
    }

    /** Decodes to a continuous 8-bit, 3-channel RGB Mat (allocated in the caller's PointerScope). */
    private static Mat decodeRgb(byte[] encoded, ImageHeader header, String name) {
        // IMREAD_UNCHANGED keeps 16-bit depth and alpha, and ignores EXIF orientation as PIL does.
        Mat decoded = imdecode(new Mat(new BytePointer(encoded)), IMREAD_UNCHANGED);
        if (decoded == null || decoded.empty()) {
            throw new UserError(name + ": cannot decode " + header.format() + " image (corrupt data)");
        }
        Mat eight = decoded;
        if (decoded.depth() == CV_16U) {
            eight = new Mat();
            decoded.convertTo(eight, CV_8U, 1.0 / 257.0, 0.0); // 65535 -> 255, rounded
        } else if (decoded.depth() != CV_8U) {
            throw new UserError(name + ": unsupported pixel depth (8- or 16-bit images expected)");
        }
        Mat rgb = new Mat();
        switch (eight.channels()) {
            case 1 -> cvtColor(eight, rgb, COLOR_GRAY2RGB);
            case 2 -> { // gray + alpha: keep the gray
                Mat gray = new Mat();
                extractChannel(eight, gray, 0);
                cvtColor(gray, rgb, COLOR_GRAY2RGB);
            }
            case 3 -> cvtColor(eight, rgb, COLOR_BGR2RGB);
            case 4 -> cvtColor(eight, rgb, COLOR_BGRA2RGB); // alpha dropped, as PIL's convert("RGB") does
            default -> throw new UserError(name + ": unsupported number of channels " + eight.channels());
        }
        if (!rgb.isContinuous()) rgb = rgb.clone();
        return rgb;
    }

    private static byte[] openCvResizeCrop(Mat rgb, int[] size, int left, int top, int interpolation) {
        Mat resized = new Mat();
        resize(rgb, resized, new Size(size[0], size[1]), 0, 0, interpolation);
        Mat crop = resized.apply(new Rect(left, top, CROP, CROP)).clone();
        byte[] out = new byte[CROP * CROP * 3];
        crop.data().get(out);
        return out;
    }

    /** Interleaved 8-bit RGB crop to a normalized {@code [1, 3, 224, 224]} tensor. */
    static FloatTensor normalize(byte[] rgb) {
        int plane = CROP * CROP;
        float[] data = new float[3 * plane];
        for (int i = 0; i < plane; i++) {
            for (int c = 0; c < 3; c++) {
                data[c * plane + i] = ((rgb[i * 3 + c] & 0xFF) / 255f - MEAN[c]) / STD[c];
            }
        }
        return new FloatTensor(new long[]{1, 3, CROP, CROP}, data);
    }

    private static String firstLine(String s) {
        if (s == null) return "unknown error";
        for (String line : s.split("\n")) if (!line.isBlank()) return line.trim();
        return s.trim();
    }
}
