package org.edgetorch.crosscheck;

import org.edgetorch.runtime.Model;
import org.edgetorch.image.ImageInput;
import org.edgetorch.tensor.FloatTensor;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;

/**
 * {@code predict --save-io}: records each batch's images and logits, then runs the replayed tensors and
 * writes the file. Latency: wall time of each forward call after the first two (they include one-time
 * work), divided by its batch size; coarse, {@code bench} measures properly.
 */
public final class PredictIo {
    private final IoRecorder recorder;
    private final Path target;
    private final List<Double> perImageMs = new ArrayList<>();
    private int calls;
    private String variant;
    private String kind;
    private String source;

    public PredictIo(IoRecorder recorder, Path target) {
        this.recorder = recorder;
        this.target = target;
    }

    /** The variant's name in the file: the model file's name, or {@code eager:<arch>} for the built-in model. */
    public static String variantName(Model m, Path modelFile, String arch) {
        return modelFile != null ? modelFile.getFileName().toString() : "eager:" + arch;
    }

    public static String kind(Path modelFile) {
        if (modelFile == null) return "eager";
        return modelFile.getFileName().toString().toLowerCase(Locale.ROOT).endsWith(".ptl") ? "lite" : "torchscript";
    }

    /** Images are matched across machines by file name: the folders may differ. */
    public static String imageId(String name) {
        int slash = Math.max(name.lastIndexOf('/'), name.lastIndexOf('\\'));
        return slash < 0 ? name : name.substring(slash + 1);
    }

    public void model(String variant, String kind, String source) {
        this.variant = variant;
        this.kind = kind;
        this.source = source;
        if (!kind.equals("eager")) recorder.file(variant, source, kind, Path.of(source));
    }

    /** One forward call's images, logits and wall time. */
    public void batch(List<ImageInput> images, FloatTensor logits, long wallNs) {
        List<String> ids = new ArrayList<>();
        for (ImageInput i : images) ids.add(recorder.input(imageId(i.name()), i.name(), "image", null, i.tensor()));
        recorder.outputs(variant, source, kind, ids, logits);
        // TorchScript's profiling executor records and then optimizes the graph during the first two calls.
        if (calls++ >= 2) perImageMs.add(wallNs / 1e6 / images.size());
    }

    /** Runs the replayed tensors through the model, then writes the file. */
    public IoFile finish(Model model) {
        recorder.runReplays(model, variant, kind);
        if (!perImageMs.isEmpty()) {
            double[] v = perImageMs.stream().mapToDouble(Double::doubleValue).sorted().toArray();
            double mean = Arrays.stream(v).average().orElse(Double.NaN);
            recorder.latency(variant, source, kind, new IoFile.Latency("predict", v.length, v[0], percentile(v, 50), mean, percentile(v, 90)));
        }
        return recorder.save(target);
    }

    /** Linear interpolation between closest ranks, on sorted values. */
    static double percentile(double[] sorted, double p) {
        if (sorted.length == 1) return sorted[0];
        double pos = p / 100 * (sorted.length - 1);
        int lo = (int) Math.floor(pos);
        int hi = Math.min(sorted.length - 1, lo + 1);
        return sorted[lo] + (pos - lo) * (sorted[hi] - sorted[lo]);
    }
}
