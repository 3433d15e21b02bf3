package org.edgetorch.bench;

import java.util.Arrays;

/**
 * Summary statistics of one series of samples, in the samples' unit.
 *
 * <p>Percentiles use linear interpolation between closest ranks (Hyndman and Fan's type 7, the
 * default of NumPy's {@code percentile}, R's {@code quantile} and Excel's {@code PERCENTILE.INC}): for
 * sorted samples {@code x[0..n-1]} and {@code p} in [0, 1], {@code h = (n - 1) p}, and the percentile is
 * {@code x[floor(h)] + (h - floor(h)) (x[floor(h) + 1] - x[floor(h)])}. The median is the 50th
 * percentile (the mean of the two middle samples when n is even). {@code stdev} is the sample standard
 * deviation (divisor n - 1; 0 for a single sample).
 */
public record Stats(int n, double min, double mean, double median, double p10, double p90, double p99,
                    double max, double stdev) {

    public static Stats of(long[] samples) {
        double[] d = new double[samples.length];
        for (int i = 0; i < d.length; i++) d[i] = samples[i];
        return of(d);
    }

    public static Stats of(double[] samples) {
        if (samples.length == 0) throw new IllegalArgumentException("no samples");
        double[] s = samples.clone();
        Arrays.sort(s);
        double sum = 0;
        for (double v : s) sum += v;
        double mean = sum / s.length;
        double squares = 0;
        for (double v : s) squares += (v - mean) * (v - mean);
        double stdev = s.length > 1 ? Math.sqrt(squares / (s.length - 1)) : 0;
        return new Stats(s.length, s[0], mean, percentile(s, 0.50), percentile(s, 0.10), percentile(s, 0.90),
                percentile(s, 0.99), s[s.length - 1], stdev);
    }

    /** Type-7 percentile of already sorted samples; {@code p} in [0, 1]. */
    public static double percentile(double[] sorted, double p) {
        if (sorted.length == 0) throw new IllegalArgumentException("no samples");
        if (p < 0 || p > 1) throw new IllegalArgumentException("percentile " + p + " outside [0, 1]");
        double h = (sorted.length - 1) * p;
        int lo = (int) Math.floor(h);
        int hi = Math.min(lo + 1, sorted.length - 1);
        return sorted[lo] + (h - lo) * (sorted[hi] - sorted[lo]);
    }

    /** The same statistics multiplied by {@code factor} (e.g. 1e-6 for nanoseconds to milliseconds). */
    public Stats scaled(double factor) {
        return new Stats(n, min * factor, mean * factor, median * factor, p10 * factor, p90 * factor,
                p99 * factor, max * factor, stdev * factor);
    }
}
