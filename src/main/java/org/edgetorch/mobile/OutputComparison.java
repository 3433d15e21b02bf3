package org.edgetorch.mobile;

import org.edgetorch.tensor.FloatTensor;

import java.util.Arrays;
import java.util.List;

/**
 * How closely one model's outputs follow another's over the same inputs. Each output row (one sample
 * of the batch dimension) counts as one sample.
 *
 * @param samples        rows compared
 * @param maxAbsDiff     largest absolute difference of any element
 * @param minCosine      lowest cosine similarity of any row (1 = same direction)
 * @param meanCosine     mean cosine similarity over rows
 * @param top1Agreement  fraction of rows whose arg-max agrees
 * @param maxAbsReference largest absolute value in the reference outputs, for scale
 */
public record OutputComparison(int samples, double maxAbsDiff, double minCosine, double meanCosine,
                               double top1Agreement, double maxAbsReference) {

    /** Compares outputs pairwise: {@code reference.get(i)} with {@code candidate.get(i)}. */
    public static OutputComparison of(List<FloatTensor> reference, List<FloatTensor> candidate) {
        if (reference.size() != candidate.size()) throw new IllegalArgumentException("different number of outputs");
        int rows = 0, agree = 0;
        double maxAbs = 0, maxRef = 0, minCos = 1, sumCos = 0;
        for (int i = 0; i < reference.size(); i++) {
            FloatTensor a = reference.get(i), b = candidate.get(i);
            if (!Arrays.equals(a.shape(), b.shape())) {
                throw new IllegalArgumentException("output shapes differ: " + a.shapeString() + " vs " + b.shapeString());
            }
            int n = a.shape().length == 0 ? 1 : (int) a.shape()[0];
            int width = n == 0 ? 0 : a.data().length / n;
            for (int r = 0; r < n; r++) {
                double dot = 0, na = 0, nb = 0;
                int argA = 0, argB = 0;
                for (int j = 0; j < width; j++) {
                    float x = a.data()[r * width + j], y = b.data()[r * width + j];
                    maxAbs = Math.max(maxAbs, Math.abs((double) x - y));
                    if (Double.isNaN(x) != Double.isNaN(y)) maxAbs = Double.POSITIVE_INFINITY;
                    maxRef = Math.max(maxRef, Math.abs(x));
                    dot += (double) x * y;
                    na += (double) x * x;
                    nb += (double) y * y;
                    if (x > a.data()[r * width + argA]) argA = j;
                    if (y > b.data()[r * width + argB]) argB = j;
                }
                double cos = na == 0 && nb == 0 ? 1 : dot / Math.sqrt(na * nb);
                if (Double.isNaN(cos)) cos = 0;
                minCos = Math.min(minCos, cos);
                sumCos += cos;
                if (argA == argB) agree++;
                rows++;
            }
        }
        return new OutputComparison(rows, maxAbs, rows == 0 ? 1 : minCos, rows == 0 ? 1 : sumCos / rows,
                rows == 0 ? 1 : (double) agree / rows, maxRef);
    }

    public boolean within(double absTolerance) {
        return maxAbsDiff <= absTolerance;
    }
}
