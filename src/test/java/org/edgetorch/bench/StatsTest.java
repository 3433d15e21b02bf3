package org.edgetorch.bench;

import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

class StatsTest {

    @Test
    void oneToHundredHasKnownStatistics() {
        // Shuffled so that the test also shows Stats sorts.
        long[] samples = new long[100];
        for (int i = 0; i < 100; i++) samples[i] = (i * 37) % 100 + 1;
        Stats s = Stats.of(samples);
        assertEquals(100, s.n());
        assertEquals(1, s.min());
        assertEquals(100, s.max());
        assertEquals(50.5, s.mean(), 1e-12);
        // Type 7: h = 99 p, so p10 = 1 + 9.9, p90 = 1 + 89.1, p99 = 1 + 98.01.
        assertEquals(50.5, s.median(), 1e-12);
        assertEquals(10.9, s.p10(), 1e-12);
        assertEquals(90.1, s.p90(), 1e-12);
        assertEquals(99.01, s.p99(), 1e-12);
        // Sample stdev of 1..100: sqrt(n (n + 1) / 12) with n = 100.
        assertEquals(Math.sqrt(100 * 101 / 12.0), s.stdev(), 1e-12);
    }

    @Test
    void matchesNumpyOnAnIrregularSeries() {
        // numpy.percentile([3, 1, 4, 1, 5, 9, 2, 6], [10, 50, 90, 99]) -> 1.0, 3.5, 6.9, 8.79
        Stats s = Stats.of(new double[]{3, 1, 4, 1, 5, 9, 2, 6});
        assertEquals(1.0, s.p10(), 1e-12);
        assertEquals(3.5, s.median(), 1e-12);
        assertEquals(6.9, s.p90(), 1e-12);
        assertEquals(8.79, s.p99(), 1e-12);
        assertEquals(3.875, s.mean(), 1e-12);
        // numpy.std(..., ddof=1)
        assertEquals(2.748376143, s.stdev(), 1e-9);
    }

    @Test
    void singleSampleHasZeroSpread() {
        Stats s = Stats.of(new long[]{42});
        assertEquals(42, s.min());
        assertEquals(42, s.median());
        assertEquals(42, s.p99());
        assertEquals(42, s.max());
        assertEquals(0, s.stdev());
    }

    @Test
    void scalingConvertsUnits() {
        Stats ms = Stats.of(new long[]{1_000_000, 3_000_000}).scaled(1e-6);
        assertEquals(2.0, ms.median(), 1e-12);
        assertEquals(2.0, ms.mean(), 1e-12);
        assertEquals(Math.sqrt(2), ms.stdev(), 1e-12);
        assertEquals(2, ms.n());
    }

    @Test
    void rejectsNoSamplesAndBadPercentiles() {
        assertThrows(IllegalArgumentException.class, () -> Stats.of(new long[0]));
        assertThrows(IllegalArgumentException.class, () -> Stats.percentile(new double[]{1}, 1.5));
    }
}
