package org.edgetorch.study;

import org.junit.jupiter.api.Test;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

class ProgressTest {
    @Test
    void showsStageAndTimeLeft() {
        ByteArrayOutputStream buf = new ByteArrayOutputStream();
        Progress p = new Progress(new PrintStream(buf, true), false, true);
        p.stage(3, 7, "latency");
        Progress.Task t = p.task("2 variants, 1 thread");
        long now = System.nanoTime();
        assertEquals("  2 variants, 1 thread: round 25/100, 25%, about 30 s left", t.render(0.25, "round 25/100", 30, now));
        // without the caller's estimate: from the fraction done and the time so far
        assertTrue(t.render(0.5, "x", Double.NaN, now + 10_000_000_000L).endsWith("about 10 s left"));
        t.done("median 12 ms");
        String out = buf.toString();
        assertTrue(out.startsWith("[3/7] latency\n"), out);
        assertTrue(out.contains("2 variants, 1 thread: median 12 ms ("), out);
    }

    @Test
    void logsAreThrottledOffATerminal() {
        ByteArrayOutputStream buf = new ByteArrayOutputStream();
        Progress p = new Progress(new PrintStream(buf, true), false, true);
        Progress.Task t = p.task("work");
        for (int i = 0; i < 1000; i++) t.update(i / 1000.0, "step " + i);
        assertEquals("", buf.toString(), "no line before " + Progress.LOG_INTERVAL_NS / 1e9 + " s have passed");
    }

    @Test
    void durations() {
        assertEquals("42 s", Progress.duration(42.2));
        assertEquals("3 min 05 s", Progress.duration(185));
    }

    @Test
    void harnessProgressBecomesFractionAndTimeLeft() {
        ByteArrayOutputStream buf = new ByteArrayOutputStream();
        Progress p = new Progress(new PrintStream(buf, true), true, true);
        Progress.Task t = p.task("bench");
        try {
            Thread.sleep(250);  // past the terminal's redraw interval
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        new HarnessLatencyMeter.TaskListener(t).onRoundEnd(25, 100, 5_000_000_000L);
        assertTrue(buf.toString().contains("bench: round 25/100, 25%, about 15 s left"), buf.toString());
    }
}
