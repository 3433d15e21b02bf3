package org.edgetorch.export.tflite;

import org.edgetorch.graph.QParams;

/**
 * A weight quantized as TFLite's quantization specification asks: int8, symmetric (zero point 0), values in
 * [-127, 127] (not -128: TFLite's optimized kernels rely on it), scale {@code max|w| / 127} per channel along
 * one dimension of the (already TFLite-laid-out) weight, or one for the whole tensor.
 */
record SymmetricInt8(byte[] values, float[] scales) {
    static final int QMAX = 127;

    static SymmetricInt8 of(float[] w, int[] shape, int channelDim, boolean perChannel) {
        int channels = perChannel ? shape[channelDim] : 1;
        // element i belongs to channel (i / inner) % channels, inner = product of the dims after channelDim
        int inner = 1;
        if (perChannel) {
            for (int d = channelDim + 1; d < shape.length; d++) inner *= shape[d];
        }
        float[] amax = new float[channels];
        for (int i = 0; i < w.length; i++) {
            int c = perChannel ? (i / inner) % channels : 0;
            amax[c] = Math.max(amax[c], Math.abs(w[i]));
        }
        float[] scales = new float[channels];
        for (int c = 0; c < channels; c++) scales[c] = (float) Math.max(amax[c] / (double) QMAX, QParams.EPS);
        byte[] q = new byte[w.length];
        for (int i = 0; i < w.length; i++) {
            int c = perChannel ? (i / inner) % channels : 0;
            long v = Math.round(Math.rint(w[i] / (double) scales[c]));
            q[i] = (byte) Math.max(-QMAX, Math.min(QMAX, v));
        }
        return new SymmetricInt8(q, scales);
    }
}
