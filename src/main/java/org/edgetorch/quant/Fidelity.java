package org.edgetorch.quant;

import org.edgetorch.runtime.Model;
import org.edgetorch.tensor.Agreement;
import org.edgetorch.tensor.FloatTensor;

import java.util.ArrayList;
import java.util.List;

/**
 * Fidelity of a model (e.g. INT8) to a reference (FP32) on held-out inputs: SQNR in dB as PyTorch's
 * numeric suite computes it ({@code 10*log10(||ref||^2 / ||ref - out||^2)} over all logits), cosine
 * similarity, top-1 / top-5 agreement and the largest absolute logit difference ({@link Agreement}).
 */
public final class Fidelity {
    private Fidelity() {
    }

    /**
     * Runs both models on every input, one at a time ({@code [3,H,W]} or {@code [1,3,H,W]}), and
     * compares the stacked {@code [N, classes]} outputs. Load quantized models with
     * {@link org.edgetorch.runtime.Runtimes#load} so each runs under its own engine.
     */
    public static Agreement compare(Model reference, Model candidate, List<FloatTensor> inputs) {
        if (inputs.isEmpty()) throw new IllegalArgumentException("no inputs to compare on");
        List<FloatTensor> ref = new ArrayList<>(), out = new ArrayList<>();
        for (FloatTensor x : inputs) {
            FloatTensor b = x.dim() == 3 ? new FloatTensor(new long[]{1, x.size(0), x.size(1), x.size(2)}, x.data()) : x;
            ref.add(reference.forward(b));
            out.add(candidate.forward(b));
        }
        return Agreement.of(stack(ref), stack(out));
    }

    /** Rows of several [n_i, C] outputs as one [sum n_i, C]. */
    public static FloatTensor stack(List<FloatTensor> outputs) {
        long cols = outputs.get(0).numel() / outputs.get(0).size(0);
        int rows = 0;
        for (FloatTensor t : outputs) rows += (int) (t.numel() / cols);
        float[] data = new float[Math.toIntExact(rows * cols)];
        int off = 0;
        for (FloatTensor t : outputs) {
            if (t.numel() % cols != 0) throw new IllegalArgumentException("outputs of different widths");
            System.arraycopy(t.data(), 0, data, off, t.data().length);
            off += t.data().length;
        }
        return new FloatTensor(new long[]{rows, cols}, data);
    }

    /** 10*log10(signal / noise) of summed squares; +Infinity when there is no noise. */
    public static double sqnrDb(double signal, double noise) {
        if (noise == 0) return Double.POSITIVE_INFINITY;
        return 10 * Math.log10(signal / noise);
    }
}
