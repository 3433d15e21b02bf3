package org.edgetorch.quant;

import org.edgetorch.util.UserError;

import java.util.Locale;

/** How an activation's quantization range is chosen from what calibration saw. */
public enum ObserverKind {
    /** The full observed range (PyTorch's MinMaxObserver). */
    MINMAX,
    /** The range that minimizes the expected squared quantization error over a 2048-bin histogram (as PyTorch's HistogramObserver aims to). */
    HISTOGRAM,
    /** The 0.01th to 99.99th percentile of the observed values. */
    PERCENTILE;

    public String id() {
        return name().toLowerCase(Locale.ROOT);
    }

    public static ObserverKind parse(String s) {
        for (ObserverKind k : values()) {
            if (k.id().equalsIgnoreCase(s)) return k;
        }
        throw new UserError("unknown observer '" + s + "'; use minmax, histogram or percentile");
    }
}
