package org.edgetorch.quant;

/**
 * Chooses a quantization range from a histogram of observed values (plain Java, no LibTorch).
 * The histogram covers {@code [lo, hi]} in equal bins; values exactly 0 are counted apart
 * ({@code zeros}) because a quantized range always represents 0 exactly, so they cost nothing.
 */
final class RangeSearch {
    private RangeSearch() {
    }

    /** A chosen range; always contains 0. */
    record Range(double min, double max) {
    }

    /**
     * The range {@code [a, b]} (bin edges, widened to contain 0) that minimizes the expected squared
     * error of quantizing the histogram's values with {@code levels} steps: uniform rounding noise
     * {@code step^2 / 12} for values inside, the squared distance to the nearer end for values clipped
     * outside. Exhaustive over bin edges, with prefix sums (O(bins^2), or O(bins) when one end is pinned
     * at 0, as after a ReLU).
     */
    static Range minimizeL2(double[] hist, double lo, double hi, long levels) {
        int n = hist.length;
        if (n == 0 || !(hi > lo)) return new Range(Math.min(lo, 0), Math.max(hi, 0));
        double w = (hi - lo) / n;
        // prefix sums over bins of count, count*center, count*center^2
        double[] c0 = new double[n + 1], c1 = new double[n + 1], c2 = new double[n + 1];
        for (int i = 0; i < n; i++) {
            double x = lo + (i + 0.5) * w;
            c0[i + 1] = c0[i] + hist[i];
            c1[i + 1] = c1[i] + hist[i] * x;
            c2[i + 1] = c2[i] + hist[i] * x * x;
        }
        double total = c0[n];
        if (total == 0) return new Range(Math.min(lo, 0), Math.max(hi, 0));
        // candidate ends are bin edges; an end on the wrong side of 0 is replaced by 0
        int firstStart = 0, lastStart = n - 1;
        int zeroEdge = (int) Math.floor(-lo / w);              // last edge <= 0
        if (lo >= 0) lastStart = 0;                            // start pinned at min(lo, 0) = 0
        else lastStart = Math.min(n - 1, Math.max(0, zeroEdge));
        int firstEnd = hi <= 0 ? n : Math.max(1, (int) Math.ceil(-lo / w));
        double best = Double.POSITIVE_INFINITY;
        double bestA = lo, bestB = hi;
        for (int i = firstStart; i <= lastStart; i++) {
            double a = Math.min(lo + i * w, 0);
            // bins wholly below a: centers < a  <=> index < i (edges align); clip cost
            double below = c2[i] - 2 * a * c1[i] + a * a * c0[i];
            int jFrom = Math.max(i + 1, firstEnd);
            for (int j = jFrom; j <= n; j++) {
                double b = Math.max(lo + j * w, 0);
                double step = (b - a) / levels;
                double inside = (c0[j] - c0[i]) * step * step / 12.0;
                double above = (c2[n] - c2[j]) - 2 * b * (c1[n] - c1[j]) + b * b * (c0[n] - c0[j]);
                double clippedWidthNoise = (c0[i] + c0[n] - c0[j]) * w * w / 12.0;
                double err = below + inside + above + clippedWidthNoise;
                if (err < best) {
                    best = err;
                    bestA = a;
                    bestB = b;
                }
            }
        }
        return new Range(bestA, bestB);
    }

    /**
     * The {@code p}-th and {@code (1-p)}-th quantiles (e.g. p = 1e-4), interpolated within bins;
     * exact zeros count as values at 0.
     */
    static Range percentile(double[] hist, double zeros, double lo, double hi, double p) {
        int n = hist.length;
        double w = (hi - lo) / n;
        double[] h = hist.clone();
        if (zeros > 0 && lo <= 0 && hi >= 0) h[Math.min(n - 1, (int) Math.floor((0 - lo) / w))] += zeros;
        double total = 0;
        for (double v : h) total += v;
        if (total == 0 || !(hi > lo)) return new Range(Math.min(lo, 0), Math.max(hi, 0));
        double target = p * total;
        double a = lo, b = hi;
        double acc = 0;
        for (int i = 0; i < n; i++) {
            if (acc + h[i] >= target) {
                a = lo + (i + (h[i] == 0 ? 0 : (target - acc) / h[i])) * w;
                break;
            }
            acc += h[i];
        }
        acc = 0;
        for (int i = n - 1; i >= 0; i--) {
            if (acc + h[i] >= target) {
                b = lo + (i + 1 - (h[i] == 0 ? 0 : (target - acc) / h[i])) * w;
                break;
            }
            acc += h[i];
        }
        return new Range(Math.min(a, 0), Math.max(b, 0));
    }
}
