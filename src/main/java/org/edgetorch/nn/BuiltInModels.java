package org.edgetorch.nn;

import org.edgetorch.image.ImageInput;
import org.edgetorch.image.StudyImages;

import java.nio.file.Path;

/**
 * The model commands use when no TorchScript file is given: real torchvision weights with {@code --weights},
 * otherwise the seeded initialization with BatchNorm statistics re-estimated on the bundled calibration photos.
 */
public final class BuiltInModels {
    /** Printed wherever results of untrained weights are shown. */
    public static final String UNTRAINED_NOTE =
            "weights are untrained (seeded initialization, BatchNorm re-estimated on bundled photos): "
                    + "class names and accuracy figures are meaningless; pass --weights FILE for real ones";

    private BuiltInModels() {
    }

    public static TorchvisionModel create(String architecture, Path weights, long seed) {
        Architecture arch = Architectures.byName(architecture);
        if (weights != null) return TorchvisionModel.fromWeights(arch, weights);
        TorchvisionModel m = TorchvisionModel.seeded(arch, seed);
        BatchNormReestimation.run(m, StudyImages.calibration().stream().map(ImageInput::tensor).toList());
        return m;
    }
}
