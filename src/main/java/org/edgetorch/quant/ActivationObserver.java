package org.edgetorch.quant;

import org.bytedeco.javacpp.FloatPointer;
import org.bytedeco.pytorch.Scalar;
import org.bytedeco.pytorch.T_TensorTensor_T;
import org.bytedeco.pytorch.Tensor;
import org.bytedeco.pytorch.global.torch;

/**
 * Statistics of one activation over the calibration inputs. Pass 1 records min / max (all observers);
 * pass 2, for the histogram and percentile observers, records a {@value #BINS}-bin histogram over the
 * final [min, max] of pass 1 (two passes instead of PyTorch's re-binning: the same bins for every input).
 */
final class ActivationObserver {
    static final int BINS = 2048;
    static final double PERCENTILE = 1e-4;

    private double min = Double.POSITIVE_INFINITY;
    private double max = Double.NEGATIVE_INFINITY;
    private double[] hist;
    private double zeros;

    void observeRange(Tensor t) {
        T_TensorTensor_T mm = torch.aminmax(t);
        min = Math.min(min, mm.get0().item_float());
        max = Math.max(max, mm.get1().item_float());
    }

    void observeHistogram(Tensor t) {
        if (!(max > min)) return;
        if (hist == null) hist = new double[BINS];
        Tensor h = torch.histc(t.contiguous(), BINS, new Scalar(min), new Scalar(max));
        float[] counts = new float[BINS];
        new FloatPointer(h.contiguous().data_ptr_float()).capacity(BINS).get(counts);
        for (int i = 0; i < BINS; i++) hist[i] += counts[i];
        if (min <= 0 && max >= 0) {
            double z = t.eq(new Scalar(0.0)).sum().item_long();
            zeros += z;
            // exact zeros are representable without error: keep them out of the bins
            int zb = Math.min(BINS - 1, (int) Math.floor((0 - min) / ((max - min) / BINS)));
            hist[zb] -= z;
        }
    }

    double min() {
        return min;
    }

    double max() {
        return max;
    }

    /** The range to quantize to, by the given observer, for a quantized range of {@code levels} steps. */
    RangeSearch.Range range(ObserverKind kind, long levels) {
        if (min > max) throw new IllegalStateException("activation never observed");
        if (kind == ObserverKind.MINMAX || hist == null) return new RangeSearch.Range(Math.min(min, 0), Math.max(max, 0));
        if (kind == ObserverKind.PERCENTILE) return RangeSearch.percentile(hist, zeros, min, max, PERCENTILE);
        return RangeSearch.minimizeL2(hist, min, max, levels);
    }
}
