package org.edgetorch.graph;

import org.edgetorch.tensor.FloatTensor;

/**
 * A weight quantized to int8 per output channel (axis 0), symmetric: zero point 0, scale
 * {@code max|w| / 127.5} (at least {@link QParams#EPS}), values {@code round_half_even(w * (1 / scale))} in
 * [-128, 127]. This is PyTorch's per-channel symmetric weight observer and LibTorch's
 * {@code quantize_per_channel} (which multiplies, in float32, by the inverse of the scale rounded to float), in Java, for
 * writers that need the integers themselves (ONNX's QDQ format).
 */
public record PerChannelInt8(long[] shape, byte[] values, double[] scales) {
    public static final int QMIN = -128;
    public static final int QMAX = 127;

    public static PerChannelInt8 of(FloatTensor w) {
        int channels = (int) w.size(0);
        float[] d = w.data();
        int per = channels == 0 ? 0 : d.length / channels;
        byte[] q = new byte[d.length];
        double[] scales = new double[channels];
        for (int c = 0; c < channels; c++) {
            float amax = 0;
            for (int i = c * per; i < (c + 1) * per; i++) amax = Math.max(amax, Math.abs(d[i]));
            double scale = Math.max((double) amax / ((QMAX - QMIN) / 2.0), QParams.EPS);
            scales[c] = scale;
            // FBGEMM's Quantize, which LibTorch uses: multiply by the float inverse of the float scale
            float inv = 1.0f / (float) scale;
            for (int i = c * per; i < (c + 1) * per; i++) {
                float v = (float) Math.rint(d[i] * inv);
                q[i] = (byte) Math.max(QMIN, Math.min(QMAX, (int) v));
            }
        }
        return new PerChannelInt8(w.shape().clone(), q, scales);
    }

    public int channels() {
        return scales.length;
    }
}
