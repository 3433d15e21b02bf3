package org.edgetorch.study;

import java.util.Arrays;

/**
 * Summary of timing samples: type-7 percentiles (NumPy's default, as the bench harness and the Python
 * scripts use) and the sample standard deviation.
 */
record SampleStats(int n, double min, double mean, double median, double p10, double p90, double p99, double max,
                   double stdev) {

    static SampleStats of(double[] samples) {
        if (samples.length == 0) throw new IllegalArgumentException("no samples");
        double[] s = samples.clone();
        Arrays.sort(s);
        double sum = 0;
        for (double v : s) sum += v;
        double mean = sum / s.length;
        double sq = 0;
        for (double v : s) sq += (v - mean) * (v - mean);
        return new SampleStats(s.length, s[0], mean, percentile(s, 0.5), percentile(s, 0.1), percentile(s, 0.9),
                percentile(s, 0.99), s[s.length - 1], s.length > 1 ? Math.sqrt(sq / (s.length - 1)) : 0);
    }

    static double percentile(double[] sorted, double p) {
        double h = (sorted.length - 1) * p;
        int lo = (int) Math.floor(h);
        int hi = Math.min(lo + 1, sorted.length - 1);
        return sorted[lo] + (h - lo) * (sorted[hi] - sorted[lo]);
    }
}
