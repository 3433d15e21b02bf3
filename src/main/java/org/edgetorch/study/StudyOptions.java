package org.edgetorch.study;

import org.edgetorch.util.UserError;

import java.nio.file.Path;
import java.util.List;

/**
 * What {@code edgetorch study} was asked to do.
 *
 * @param weights    torchvision state dict, or null for the seeded untrained initialization
 * @param threads    intra-op thread counts the latency stage runs, in order (e.g. 1, 2)
 * @param quick      the short smoke-test version: fewer runs and images
 * @param withPython also run bench/python_study.py when a Python with torch and torchvision is found
 * @param modelsDir  where the artifacts (.pt, .ptl) are written
 * @param command    the command line, for the report's "how to reproduce"
 */
public record StudyOptions(String arch, Path weights, long seed, List<Integer> threads, boolean quick,
                           boolean withPython, Path modelsDir, String command) {

    public StudyOptions {
        if (threads == null || threads.isEmpty()) throw new UserError("--threads needs at least one thread count");
        for (int t : threads) {
            if (t < 1) throw new UserError("--threads must be at least 1, got " + t);
            if (t > 256) throw new UserError("--threads " + t + " is more than this study supports (256)");
        }
        if (threads.stream().distinct().count() != threads.size()) {
            throw new UserError("--threads lists a thread count twice: " + threads);
        }
        threads = List.copyOf(threads);
    }

    public LatencyPlan latencyPlan() {
        return quick ? LatencyPlan.QUICK : LatencyPlan.FULL;
    }

    /** Held-out photos the agreement figures use: all 10 normally, 4 with --quick. */
    public int heldOutImages() {
        return quick ? 4 : Integer.MAX_VALUE;
    }

    /** Whether latency is also measured on a real photo besides the seeded dummy input (not with --quick). */
    public boolean imageLatency() {
        return !quick;
    }
}
