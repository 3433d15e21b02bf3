package org.edgetorch.study;

import java.util.List;

/**
 * The figures of the study this project reproduces: PyTorch in Python on an x86 desktop — another
 * machine, so they orient and are not compared with this machine's as ratios.
 */
public final class ReferenceFigures {
    /** The architecture the study measured; other architectures get no reference figures. */
    public static final String ARCH = "mobilenet_v2";

    public static final String SOURCE = "the study's Python figures (PyTorch, x86 desktop; another machine, for orientation only)";

    /** One variant's reference figures; null where the study gave none. */
    public record Figure(String variant, Double latencyMs, Double sizeMb) {
    }

    public static final List<Figure> FIGURES = List.of(
            new Figure(Variant.FP32_EAGER, 24.8, null),
            new Figure(Variant.FP32_TORCHSCRIPT, 16.2, 13.8),
            new Figure(Variant.INT8_DYNAMIC, 12.0, 10.2),
            new Figure(Variant.int8Static("fbgemm"), 4.8, 4.0),
            new Figure(Variant.int8Static("qnnpack"), 4.2, 3.7),
            new Figure(Variant.mobile(Variant.int8Static("qnnpack")), null, 6.8));

    private ReferenceFigures() {
    }

    /** The reference figure of a variant of {@code arch}, or null (none given, or another architecture). */
    public static Figure of(String arch, String variant) {
        if (!ARCH.equals(arch)) return null;
        return FIGURES.stream().filter(f -> f.variant().equals(variant)).findFirst().orElse(null);
    }
}
