package org.edgetorch.tensor;

/**
 * How closely one model's logits follow a reference's, over a batch [N, classes]: the measures PyTorch's
 * numeric suite and the study use. SQNR and cosine say most when weights are untrained (logits nearly
 * flat make top-1 agreement fragile); top-k agreement says most with real weights.
 */
public record Agreement(int samples, double maxAbsDiff, double meanAbsDiff, double cosine, double sqnrDb,
                        double top1, double top5, double referenceMaxAbs) {

    /** The largest difference relative to the largest reference logit (the exporters' FP32 tolerance is 1e-4 of it); NaN when unknown. */
    public double relativeMaxAbsDiff() {
        return referenceMaxAbs > 0 ? maxAbsDiff / referenceMaxAbs : maxAbsDiff == 0 ? 0 : Double.NaN;
    }

    public static Agreement of(FloatTensor reference, FloatTensor other) {
        if (!java.util.Arrays.equals(reference.shape(), other.shape()) || reference.dim() != 2) {
            throw new IllegalArgumentException("logits must have the same [N, classes] shape: "
                    + reference.shapeString() + " vs " + other.shapeString());
        }
        int n = (int) reference.size(0);
        float[] r = reference.data(), o = other.data();
        double maxAbs = 0, sumAbs = 0, dot = 0, nr = 0, no = 0, noise = 0, refMax = 0;
        for (int i = 0; i < r.length; i++) {
            double d = (double) r[i] - o[i];
            refMax = Math.max(refMax, Math.abs(r[i]));
            maxAbs = Math.max(maxAbs, Math.abs(d));
            sumAbs += Math.abs(d);
            dot += (double) r[i] * o[i];
            nr += (double) r[i] * r[i];
            no += (double) o[i] * o[i];
            noise += d * d;
        }
        int top1 = 0, top5 = 0;
        for (int i = 0; i < n; i++) {
            int[] refTop = TopK.indices(reference.row(i), 5);
            int[] otherTop = TopK.indices(other.row(i), 5);
            if (refTop[0] == otherTop[0]) top1++;
            // top-5 agreement: the reference's top-1 class is among the other's top 5
            for (int k : otherTop) if (k == refTop[0]) top5++;
        }
        double cosine = nr == 0 || no == 0 ? (nr == no ? 1 : 0) : dot / Math.sqrt(nr * no);
        double sqnr = noise == 0 ? Double.POSITIVE_INFINITY : 10 * Math.log10(nr / noise);
        return new Agreement(n, maxAbs, sumAbs / r.length, cosine, sqnr, (double) top1 / n, (double) top5 / n, refMax);
    }
}
