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
 * @param calib      images (files or folders) to calibrate static INT8 on, all of them; null for the 16 bundled
 *                   calibration photos
 * @param eval       images (files or folders) the agreement figures are computed on; null for the 10 bundled
 *                   held-out photos
 * @param resources  measure each variant's memory, CPU and energy alone in a child process (dummy input; every
 *                   thread count, or only the first with --quick)
 * @param model      a user's FP32 TorchScript file (taking [N, 3, 224, 224] images) studied instead of the built-in
 *                   {@code arch}, or null
 */
public record StudyOptions(String arch, Path weights, long seed, List<Integer> threads, boolean quick,
                           boolean withPython, Path modelsDir, String command, List<Path> calib, List<Path> eval,
                           boolean resources, Path model) {

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
        calib = calib == null ? null : List.copyOf(calib);
        eval = eval == null ? null : List.copyOf(eval);
    }

    /**
     * The default thread sweep: one thread, then every core the JVM sees (a Raspberry Pi 4 or 5: 1 and 4), so
     * the report shows both the single-core figure and what all cores buy.
     */
    public static List<Integer> defaultThreads(int cpus) {
        return cpus > 1 ? List.of(1, Math.min(cpus, 256)) : List.of(1);
    }

    public LatencyPlan latencyPlan() {
        return quick ? LatencyPlan.QUICK : LatencyPlan.FULL;
    }

    /** The studied model's name, which prefixes its artifacts: the built-in architecture or the file's name without extension. */
    public String modelName() {
        return model == null ? arch : nameOf(model);
    }

    /** A model file's name without its extension: the prefix of the artifacts made from it. */
    public static String nameOf(Path file) {
        String f = file.getFileName().toString();
        int dot = f.lastIndexOf('.');
        return dot > 0 ? f.substring(0, dot) : f;
    }

    /** Held-out photos the agreement figures use: all 10 normally, 4 with --quick. */
    public int heldOutImages() {
        return quick ? 4 : Integer.MAX_VALUE;
    }

    /** How long each resource run measures: as the latency stage, or a few runs with --quick. */
    public LatencyPlan resourcePlan() {
        return quick ? LatencyPlan.QUICK_RESOURCES : LatencyPlan.FULL;
    }

    /** Whether the resource runs are made at this thread count. */
    public boolean resourcesAt(int threadCount) {
        return resources && (!quick || threadCount == threads.get(0));
    }

    /** Whether latency is also measured on a real photo besides the seeded dummy input (not with --quick). */
    public boolean imageLatency() {
        return !quick;
    }
}
