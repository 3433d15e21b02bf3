package org.edgetorch.tensor;

/** Top-k indices and softmax of one row of logits. */
public final class TopK {
    private TopK() {
    }

    /** Indices of the k largest values, largest first (ties: lower index first). */
    public static int[] indices(float[] v, int k) {
        int kk = Math.min(k, v.length);
        int[] best = new int[kk];
        int filled = 0;
        for (int i = 0; i < v.length; i++) {
            int pos = filled;
            while (pos > 0 && v[i] > v[best[pos - 1]]) pos--;
            if (pos >= kk) continue;
            int last = Math.min(filled, kk - 1);
            System.arraycopy(best, pos, best, pos + 1, last - pos);
            best[pos] = i;
            if (filled < kk) filled++;
        }
        return best;
    }

    /** Numerically stable softmax. */
    public static double[] softmax(float[] logits) {
        double max = Double.NEGATIVE_INFINITY;
        for (float f : logits) max = Math.max(max, f);
        double[] p = new double[logits.length];
        double sum = 0;
        for (int i = 0; i < p.length; i++) {
            p[i] = Math.exp(logits[i] - max);
            sum += p[i];
        }
        for (int i = 0; i < p.length; i++) p[i] /= sum;
        return p;
    }
}
