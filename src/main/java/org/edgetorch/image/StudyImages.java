package org.edgetorch.image;

import java.util.List;

/**
 * The split of the bundled photos every stage agrees on: the first 16 (by name) calibrate (BatchNorm
 * re-estimation of untrained weights, INT8 activation ranges); the last 10 are held out for fidelity
 * figures, so no variant is judged on the images it was calibrated with.
 */
public final class StudyImages {
    public static final int CALIBRATION_COUNT = 16;

    private static List<ImageInput> bundled;

    private StudyImages() {
    }

    /** Preprocessed once per process: several stages use the same photos. */
    private static synchronized List<ImageInput> all() {
        if (bundled == null) bundled = List.copyOf(ImageInputs.bundled());
        return bundled;
    }

    public static List<ImageInput> calibration() {
        List<ImageInput> all = all();
        return all.subList(0, Math.min(CALIBRATION_COUNT, all.size()));
    }

    public static List<ImageInput> heldOut() {
        List<ImageInput> all = all();
        return all.subList(Math.min(CALIBRATION_COUNT, all.size()), all.size());
    }
}
