package org.edgetorch.quant;

/** Progress of calibration: pass (1-based) of {@code passes}, input {@code done} of {@code total}. */
@FunctionalInterface
public interface CalibrationProgress {
    void update(int pass, int passes, int done, int total);

    CalibrationProgress NONE = (p, ps, d, t) -> {
    };
}
