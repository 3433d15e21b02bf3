package org.edgetorch.graph;

/**
 * Affine quantization parameters of one tensor: {@code q = clamp(round(x / scale) + zeroPoint, qmin, qmax)},
 * {@code x ≈ (q - zeroPoint) * scale}. The formulas are PyTorch's observers' ({@code _calculate_qparams}),
 * so results compare with PyTorch's own quantization of the same model.
 */
public record QParams(double scale, long zeroPoint, long qmin, long qmax) {

    /** Smallest scale PyTorch's observers allow (float32 machine epsilon). */
    public static final double EPS = Math.ulp(1.0f);

    /**
     * Per-tensor affine parameters for values observed in {@code [min, max]} mapped onto
     * {@code [qmin, qmax]}; the range is widened to contain 0, which must be exactly representable.
     */
    public static QParams affine(double min, double max, long qmin, long qmax) {
        double lo = Math.min(min, 0);
        double hi = Math.max(max, 0);
        double scale = Math.max((hi - lo) / (qmax - qmin), EPS);
        long zp = qmin - Math.round(Math.rint(lo / scale));
        zp = Math.max(qmin, Math.min(qmax, zp));
        return new QParams(scale, zp, qmin, qmax);
    }

    /** Symmetric parameters (zero point 0) for signed values with magnitude up to {@code absMax}. */
    public static QParams symmetric(double absMax, long qmin, long qmax) {
        double scale = Math.max(absMax / ((qmax - qmin) / 2.0), EPS);
        return new QParams(scale, 0, qmin, qmax);
    }

    public long quantize(double x) {
        long q = Math.round(Math.rint(x / scale)) + zeroPoint;
        return Math.max(qmin, Math.min(qmax, q));
    }

    public double dequantize(long q) {
        return (q - zeroPoint) * scale;
    }

    /** Lowest and highest values a uint8 tensor with these parameters can hold (kernels saturate at 0 and 255). */
    public double representableMin(long dtypeMin) {
        return (dtypeMin - zeroPoint) * scale;
    }

    public double representableMax(long dtypeMax) {
        return (dtypeMax - zeroPoint) * scale;
    }
}
