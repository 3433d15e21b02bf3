package org.edgetorch.study;

import java.io.PrintStream;
import java.util.Locale;

/**
 * The study's progress on stderr: which stage runs ({@code [3/7] latency}), and for long stages how far
 * they are and how much time is left, estimated from the work done so far. On a terminal one line is
 * rewritten in place; otherwise (logs, CI) a line is printed at most every {@link #LOG_INTERVAL_NS}.
 */
public final class Progress {
    static final long LOG_INTERVAL_NS = 5_000_000_000L;
    private static final long TERMINAL_INTERVAL_NS = 200_000_000L;

    private final PrintStream out;
    private final boolean terminal;
    private final boolean enabled;
    private String stagePrefix = "";
    private int lastWidth;

    public Progress(PrintStream out, boolean terminal, boolean enabled) {
        this.out = out;
        this.terminal = terminal;
        this.enabled = enabled;
    }

    /** On stderr; rewrites in place when the process has a terminal. */
    public static Progress stderr() {
        return new Progress(System.err, System.console() != null, true);
    }

    public static Progress silent() {
        return new Progress(System.err, false, false);
    }

    public void stage(int index, int count, String name) {
        stagePrefix = "[" + index + "/" + count + "] " + name;
        line(stagePrefix, true);
    }

    /** A message that stays (notes, skipped stages). */
    public void note(String message) {
        line("  " + message, true);
    }

    public Task task(String what) {
        return new Task(what);
    }

    private synchronized void line(String text, boolean keep) {
        if (!enabled) return;
        if (terminal) {
            StringBuilder b = new StringBuilder("\r").append(text);
            for (int i = text.length(); i < lastWidth; i++) b.append(' ');
            if (keep) {
                b.append('\n');
                lastWidth = 0;
            } else {
                lastWidth = text.length();
            }
            out.print(b);
        } else {
            out.println(text);
        }
        out.flush();
    }

    /** Formats seconds as {@code 42 s} or {@code 3 min 05 s}. */
    static String duration(double seconds) {
        long s = Math.max(0, Math.round(seconds));
        return s < 60 ? s + " s" : String.format(Locale.ROOT, "%d min %02d s", s / 60, s % 60);
    }

    /** A long piece of work inside a stage; reports the fraction done and the estimated time left. */
    public final class Task {
        private final String what;
        private final long start = System.nanoTime();
        private long lastPrinted;

        private Task(String what) {
            this.what = what;
            lastPrinted = start;
        }

        /**
         * @param fraction work done so far, 0..1 (estimated by the caller from runs done / planned)
         * @param detail   e.g. {@code round 40/100}
         */
        public void update(double fraction, String detail) {
            update(fraction, detail, Double.NaN);
        }

        /** As above, with the caller's own estimate of the seconds left (NaN: estimate from the fraction). */
        public void update(double fraction, String detail, double secondsLeft) {
            long now = System.nanoTime();
            if (now - lastPrinted < (terminal ? TERMINAL_INTERVAL_NS : LOG_INTERVAL_NS)) return;
            lastPrinted = now;
            line(render(fraction, detail, secondsLeft, now), false);
        }

        public void done(String summary) {
            double seconds = (System.nanoTime() - start) / 1e9;
            line("  " + what + ": " + summary + " (" + duration(seconds) + ")", true);
        }

        String render(double fraction, String detail, double secondsLeft, long now) {
            double elapsed = (now - start) / 1e9;
            double estimate = !Double.isNaN(secondsLeft) ? secondsLeft
                    : fraction > 0.02 && fraction < 1 ? elapsed * (1 - fraction) / fraction : Double.NaN;
            String left = Double.isNaN(estimate) ? "" : ", about " + duration(estimate) + " left";
            return String.format(Locale.ROOT, "  %s: %s, %.0f%%%s", what, detail, 100 * Math.min(1, fraction), left);
        }
    }
}
