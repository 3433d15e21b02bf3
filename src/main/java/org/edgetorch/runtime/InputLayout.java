package org.edgetorch.runtime;

import org.edgetorch.util.UserError;

import java.util.Locale;

/**
 * The memory layout a model takes its image batch in. Every command builds NCHW tensors; a runtime whose
 * kernels want channels-last gets the same values reordered once, outside the timed region (LibTorch: an
 * NCHW-shaped tensor in channels-last memory; TFLite: an NHWC tensor).
 */
public enum InputLayout {
    NCHW, NHWC;

    public String id() {
        return name().toLowerCase(Locale.ROOT);
    }

    /** {@code auto} (null: each model's own), {@code nchw} or {@code nhwc}. */
    public static InputLayout parseOverride(String s) {
        return switch (s == null ? "auto" : s.toLowerCase(Locale.ROOT)) {
            case "auto" -> null;
            case "nchw" -> NCHW;
            case "nhwc" -> NHWC;
            default -> throw new UserError("--input-layout must be auto, nchw or nhwc, got '" + s + "'");
        };
    }
}
