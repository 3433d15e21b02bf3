package org.edgetorch.tensor;

/**
 * Top-1 and top-5 accuracy of logits against the true classes: the share of images whose class is the model's
 * first choice, or among its five first.
 */
public record Accuracy(int samples, double top1, double top5) {

    /** @param logits {@code [N, classes]}; {@code labels} one class index per row */
    public static Accuracy of(FloatTensor logits, int[] labels) {
        if (logits.dim() != 2 || logits.size(0) != labels.length) {
            throw new IllegalArgumentException("logits " + logits.shapeString() + " for " + labels.length + " labels");
        }
        int n = labels.length;
        int classes = (int) logits.size(1);
        int top1 = 0, top5 = 0;
        float[] row = new float[classes];
        for (int i = 0; i < n; i++) {
            System.arraycopy(logits.data(), i * classes, row, 0, classes);
            int[] best = TopK.indices(row, 5);
            if (best[0] == labels[i]) top1++;
            for (int k : best) if (k == labels[i]) top5++;
        }
        return new Accuracy(n, n == 0 ? Double.NaN : (double) top1 / n, n == 0 ? Double.NaN : (double) top5 / n);
    }

    /** Sums of two disjoint batches. */
    public Accuracy plus(Accuracy o) {
        if (samples == 0) return o;
        if (o.samples == 0) return this;
        int n = samples + o.samples;
        return new Accuracy(n, (top1 * samples + o.top1 * o.samples) / n, (top5 * samples + o.top5 * o.samples) / n);
    }
}
