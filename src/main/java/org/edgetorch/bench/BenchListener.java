package org.edgetorch.bench;

import java.util.List;
import java.util.Locale;
import java.util.function.Consumer;

/**
 * What the harness tells its caller while it works, as typed calls (like TFLite's {@code BenchmarkListener}):
 * the {@code bench} command prints them, the study turns them into its progress bar. Every call happens outside
 * a timed region, on the harness's thread; a listener must return quickly and must not throw.
 */
public interface BenchListener {
    /** A listener that ignores everything. */
    BenchListener NONE = new BenchListener() {
    };

    /** Before anything is loaded. */
    default void onBenchmarkStart(List<String> targets, BenchOptions options) {
    }

    default void onLoadStart(String target) {
    }

    /** After the target's load; {@code loadNs} is the init time the report shows. */
    default void onLoadEnd(String target, long loadNs) {
    }

    default void onWarmupStart(String target) {
    }

    /**
     * Before the measured rounds.
     *
     * @param plannedRounds rounds the run count asks for; more may follow when a minimum time is set
     */
    default void onMeasureStart(int targets, int plannedRounds) {
    }

    /** After each measured round (one call per target). */
    default void onRoundEnd(int rounds, int plannedRounds, long elapsedNs) {
    }

    /** Right after the last measured round, before anything else runs. */
    default void onMeasureEnd(int rounds, long elapsedNs) {
    }

    /** Before a target's resource run in its own child process (memory, CPU, energy). */
    default void onResourceRunStart(String target, int index, int count) {
    }

    /** After every target is measured and closed. */
    default void onBenchmarkEnd(BenchReport report) {
    }

    /** Lines of text for a console, a round count at most every {@code intervalNs}: what {@code bench} prints. */
    static BenchListener text(Consumer<String> out, long intervalNs) {
        return new BenchListener() {
            private long lastRoundLine;

            @Override
            public void onLoadStart(String target) {
                out.accept("loading " + target);
            }

            @Override
            public void onWarmupStart(String target) {
                out.accept("warming up " + target);
            }

            @Override
            public void onMeasureStart(int targets, int plannedRounds) {
                lastRoundLine = System.nanoTime();
                out.accept("measuring " + targets + (targets == 1 ? " model" : " models interleaved"));
            }

            @Override
            public void onRoundEnd(int rounds, int plannedRounds, long elapsedNs) {
                long now = System.nanoTime();
                if (now - lastRoundLine < intervalNs) return;
                lastRoundLine = now;
                out.accept(String.format(Locale.ROOT, "measured %d round%s in %.1f s", rounds, rounds == 1 ? "" : "s", elapsedNs / 1e9));
            }

            @Override
            public void onResourceRunStart(String target, int index, int count) {
                out.accept("memory, CPU and energy of " + target + " in a child process (" + index + "/" + count + ")");
            }
        };
    }
}
