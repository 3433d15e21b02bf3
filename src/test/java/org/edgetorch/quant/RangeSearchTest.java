package org.edgetorch.quant;

import org.junit.jupiter.api.Test;

import java.util.Random;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Range choice from histograms, in plain Java. */
class RangeSearchTest {
    static final int BINS = 2048;

    /** A histogram of the values over [lo, hi]. */
    static double[] histogram(double[] values, double lo, double hi) {
        double[] h = new double[BINS];
        for (double v : values) h[Math.min(BINS - 1, (int) ((v - lo) / (hi - lo) * BINS))]++;
        return h;
    }

    @Test
    void leastSquaresClipsRareOutliersButKeepsTheBulk() {
        Random r = new Random(1);
        double[] v = new double[1_000_000];
        for (int i = 0; i < v.length; i++) v[i] = Math.max(-5, Math.min(5, r.nextGaussian()));
        // a few outliers stretch min/max to 12: clipping them costs less than coarse steps for a million values
        v[0] = 12;
        v[1] = 11;
        double lo = -5, hi = 12;
        for (double x : v) assertTrue(x >= lo && x <= hi);
        RangeSearch.Range got = RangeSearch.minimizeL2(histogram(v, lo, hi), lo, hi, 255);
        assertTrue(got.max() < 7 && got.max() > 2.5, "upper end " + got.max());
        assertTrue(got.min() > -5.01 && got.min() < -2.5, "lower end " + got.min());
        assertTrue(got.min() <= 0 && got.max() >= 0);
    }

    @Test
    void leastSquaresKeepsAUniformRange() {
        Random r = new Random(2);
        double[] v = new double[100_000];
        for (int i = 0; i < v.length; i++) v[i] = 6 * r.nextDouble();
        RangeSearch.Range got = RangeSearch.minimizeL2(histogram(v, 0, 6), 0, 6, 255);
        assertEquals(0, got.min());
        assertTrue(got.max() > 5.9, "uniform values lose more by clipping than they gain: " + got.max());
    }

    @Test
    void percentileCutsTheTails() {
        double[] v = new double[100_000];
        for (int i = 0; i < v.length; i++) v[i] = i / 100_000.0;   // uniform on [0, 1)
        v[5] = 50;   // outlier
        RangeSearch.Range got = RangeSearch.percentile(histogram(v, 0, 50), 0, 0, 50, 1e-4);
        assertEquals(0, got.min());
        assertTrue(got.max() > 0.97 && got.max() < 1.05, "99.99th percentile near 1: " + got.max());
    }

    @Test
    void rangesAlwaysContainZero() {
        double[] v = {2, 3, 4, 5};
        assertEquals(0, RangeSearch.minimizeL2(histogram(v, 2, 5), 2, 5, 255).min());
        assertEquals(0, RangeSearch.percentile(histogram(v, 2, 5), 0, 2, 5, 1e-4).min());
        double[] n = {-5, -4, -3};
        assertEquals(0, RangeSearch.minimizeL2(histogram(n, -5, -3), -5, -3, 255).max());
    }
}
