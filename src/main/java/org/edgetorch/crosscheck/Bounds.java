package org.edgetorch.crosscheck;

import java.util.Locale;

/**
 * How far two machines' outputs of one model variant on the same input tensor may differ before
 * {@code compare} fails. Float variants: different kernels (oneDNN on x86, XNNPACK/NEON on ARM) and
 * summation orders, so differences at float32 rounding level; quantized ones (INT8): different engines
 * (FBGEMM/X86 vs ONEDNN/QNNPACK) round requantization differently, so a looser cosine and top-1 bound.
 * Defaults and their reasons are in README.md.
 */
public record Bounds(double maxAbsDiff, double minCosine, double minTop1,
                     double int8MinCosine, double int8MinTop1) {

    public static final Bounds DEFAULT = new Bounds(1e-3, 0.99999, 1.0, 0.99, 0.9);

    /** Quantized variants are recognized by name (int8, qint8, quant), as the study names its files. */
    public static boolean quantized(String variantName) {
        String n = variantName.toLowerCase(Locale.ROOT);
        return n.contains("int8") || n.contains("quant");
    }
}
