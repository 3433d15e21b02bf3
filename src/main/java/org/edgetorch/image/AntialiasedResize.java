package org.edgetorch.image;

import java.nio.ByteBuffer;

/**
 * Bilinear resize with antialiasing, computed the way PIL's {@code Image.resize(..., BILINEAR)} does
 * it for 8-bit images, which is what torchvision's {@code transforms.Resize} runs on PIL images:
 * a triangle filter whose support grows with the shrink factor, coefficients rounded to 22-bit fixed
 * point, a horizontal pass into an 8-bit intermediate image, then a vertical pass. Written here from
 * that description; only the output window that survives the center crop is computed.
 */
final class AntialiasedResize {
    private static final int PRECISION_BITS = 32 - 8 - 2;
    private static final int HALF = 1 << (PRECISION_BITS - 1);

    private AntialiasedResize() {
    }

    /** Filter taps of a run of output positions along one axis. */
    private record Taps(int[] first, int[][] weights) {
        int lo() {
            int m = Integer.MAX_VALUE;
            for (int f : first) m = Math.min(m, f);
            return m;
        }

        int hi() {
            int m = 0;
            for (int i = 0; i < first.length; i++) m = Math.max(m, first[i] + weights[i].length);
            return m;
        }
    }

    /** Taps for output positions {@code start .. start+count-1} of a resize from {@code inSize} to {@code outSize}. */
    private static Taps taps(int inSize, int outSize, int start, int count) {
        double scale = (double) inSize / outSize;
        double filterScale = Math.max(scale, 1.0);
        double support = filterScale; // the triangle filter's support is 1, widened when shrinking
        double inv = 1.0 / filterScale;
        int[] first = new int[count];
        int[][] weights = new int[count][];
        for (int i = 0; i < count; i++) {
            double center = (start + i + 0.5) * scale;
            int lo = Math.max((int) (center - support + 0.5), 0);
            int hi = Math.min((int) (center + support + 0.5), inSize);
            double[] w = new double[Math.max(hi - lo, 0)];
            double sum = 0;
            for (int k = 0; k < w.length; k++) {
                w[k] = triangle((k + lo - center + 0.5) * inv);
                sum += w[k];
            }
            int[] fixed = new int[w.length];
            for (int k = 0; k < w.length; k++) {
                double v = sum != 0 ? w[k] / sum : w[k];
                fixed[k] = (int) (v < 0 ? -0.5 + v * (1 << PRECISION_BITS) : 0.5 + v * (1 << PRECISION_BITS));
            }
            first[i] = lo;
            weights[i] = fixed;
        }
        return new Taps(first, weights);
    }

    private static double triangle(double x) {
        if (x < 0) x = -x;
        return x < 1 ? 1 - x : 0;
    }

    private static int clip8(long acc) {
        long v = acc >> PRECISION_BITS;
        return v < 0 ? 0 : v > 255 ? 255 : (int) v;
    }

    /**
     * Resizes an interleaved RGB image (3 bytes per pixel, {@code step} bytes per row) to
     * {@code outW x outH} and returns only the window at ({@code left}, {@code top}) of size
     * {@code cropW x cropH}, interleaved RGB.
     */
    static byte[] resizeWindow(ByteBuffer src, int inW, int inH, long step, int outW, int outH,
                               int left, int top, int cropW, int cropH) {
        Taps tx = taps(inW, outW, left, cropW);
        Taps ty = taps(inH, outH, top, cropH);
        int rowLo = ty.lo(), rowHi = ty.hi();

        // Horizontal pass over the source rows (and columns) the output window reads.
        int rows = rowHi - rowLo;
        int colLo = tx.lo(), colHi = tx.hi();
        byte[] line = new byte[(colHi - colLo) * 3];
        byte[] tmp = new byte[rows * cropW * 3];
        for (int r = 0; r < rows; r++) {
            src.get(Math.toIntExact((long) (r + rowLo) * step + colLo * 3L), line);
            for (int x = 0; x < cropW; x++) {
                int[] w = tx.weights[x];
                int base = (tx.first[x] - colLo) * 3;
                long a0 = HALF, a1 = HALF, a2 = HALF;
                for (int k = 0; k < w.length; k++) {
                    int p = base + 3 * k;
                    a0 += (line[p] & 0xFF) * (long) w[k];
                    a1 += (line[p + 1] & 0xFF) * (long) w[k];
                    a2 += (line[p + 2] & 0xFF) * (long) w[k];
                }
                int o = (r * cropW + x) * 3;
                tmp[o] = (byte) clip8(a0);
                tmp[o + 1] = (byte) clip8(a1);
                tmp[o + 2] = (byte) clip8(a2);
            }
        }

        // Vertical pass.
        byte[] out = new byte[cropW * cropH * 3];
        int rowBytes = cropW * 3;
        for (int y = 0; y < cropH; y++) {
            int[] w = ty.weights[y];
            int r0 = ty.first[y] - rowLo;
            for (int i = 0; i < rowBytes; i++) {
                long a = HALF;
                for (int k = 0; k < w.length; k++) a += (tmp[(r0 + k) * rowBytes + i] & 0xFF) * (long) w[k];
                out[y * rowBytes + i] = (byte) clip8(a);
            }
        }
        return out;
    }
}
