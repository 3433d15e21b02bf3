package org.edgetorch.image;

import java.util.Arrays;
import java.util.Locale;

/**
 * How the image is resized so that its shorter side is 256. All modes use torchvision's output size
 * and center-crop offsets; they differ only in the interpolation filter.
 */
public enum ResizeMode {
    /**
     * Bilinear with PIL's antialiasing (the triangle filter widened by the scale factor when
     * shrinking), in PIL's 8-bit fixed-point arithmetic: torchvision's reference path. Default.
     */
    ANTIALIAS("antialias"),
    /** OpenCV {@code INTER_LINEAR}: plain bilinear, no antialiasing when shrinking (aliases). */
    LINEAR("linear"),
    /** OpenCV {@code INTER_AREA}: pixel-area averaging when shrinking, bilinear-like when enlarging. */
    AREA("area");

    public static final ResizeMode DEFAULT = ANTIALIAS;

    private final String id;

    ResizeMode(String id) {
        this.id = id;
    }

    /** The name used on the command line and in output files. */
    public String id() {
        return id;
    }

    public static ResizeMode parse(String s) {
        String k = s.trim().toLowerCase(Locale.ROOT);
        for (ResizeMode m : values()) if (m.id.equals(k)) return m;
        throw new IllegalArgumentException("unknown resize mode '" + s + "'; use one of " + ids());
    }

    public static String ids() {
        return String.join(", ", Arrays.stream(values()).map(ResizeMode::id).toList());
    }

    @Override
    public String toString() {
        return id;
    }
}
