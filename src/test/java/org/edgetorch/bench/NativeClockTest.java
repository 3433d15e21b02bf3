package org.edgetorch.bench;

import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The JNI library that the javacpp plugin builds from native/edgetorch_clock.h. */
class NativeClockTest {

    @Test
    void theBuildCarriesTheNativeClocks() {
        Clocks c = Clocks.get();
        assertEquals("native", c.implementation(), "fell back to Java clocks: " + c.fallbackReason());
        if (System.getProperty("os.name").startsWith("Linux")) {
            assertEquals("CLOCK_MONOTONIC_RAW", c.wallClock());
        }
    }

    @Test
    void clocksAdvance() {
        long w0 = NativeClock.wall_ns();
        long c0 = NativeClock.thread_cpu_ns();
        // At least one pass: on a busy machine the thread may be descheduled for the whole 5 ms.
        long spin = 0;
        do {
            spin += spin % 7 + 1;
        } while (NativeClock.wall_ns() - w0 < 5_000_000);
        long w1 = NativeClock.wall_ns();
        long c1 = NativeClock.thread_cpu_ns();
        assertTrue(spin > 0);
        assertTrue(w1 - w0 >= 5_000_000, "wall clock advanced " + (w1 - w0) + " ns");
        // A busy loop burns CPU on this thread; on a loaded machine perhaps less than its wall time.
        assertTrue(c1 > c0, "thread CPU time did not advance");
        assertTrue(NativeClock.peak_rss_bytes() > 0);
    }

    @Test
    void sampleStoreKeepsEverySampleAndGrows() {
        try (NativeClock.SampleStore store = new NativeClock.SampleStore(4)) {
            for (int i = 0; i < 100; i++) {  // past the initial capacity: the store grows
                store.start();
                store.stop();
            }
            assertEquals(100, store.size());
            long[] wall = new long[100];
            long[] cpu = new long[100];
            assertEquals(100, store.copy_wall(0, 100, wall));
            assertEquals(100, store.copy_cpu(0, 100, cpu));
            long total = 0;
            for (int i = 0; i < 100; i++) {
                assertTrue(wall[i] >= 0 && wall[i] < 1_000_000_000L, "sample " + i + ": " + wall[i]);
                assertTrue(cpu[i] >= 0);
                total += wall[i];
            }
            assertEquals(total, store.total_wall());
            long[] tail = new long[10];
            assertEquals(5, store.copy_wall(95, 10, tail), "copies only what exists");
            store.clear();
            assertEquals(0, store.size());
            assertEquals(0, store.total_wall());
        }
    }

    @Test
    void timerRecordsTheRegionBetweenStartAndStop() {
        try (SampleTimer t = Clocks.get().newTimer(8)) {
            t.start();
            long w0 = System.nanoTime();
            while (System.nanoTime() - w0 < 2_000_000) {
                Thread.onSpinWait();
            }
            t.stop();
            assertEquals(1, t.size());
            assertTrue(t.wallNs()[0] >= 2_000_000, "region of 2 ms measured as " + t.wallNs()[0] + " ns");
            assertArrayEquals(new long[]{t.totalWallNs()}, t.wallNs());
        }
    }
}
