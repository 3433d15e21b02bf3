package org.edgetorch.jit;

import org.edgetorch.runtime.Model;
import org.edgetorch.image.ImageInput;
import org.edgetorch.image.ImageInputs;
import org.edgetorch.nn.TorchvisionModel;
import org.edgetorch.tensor.Agreement;
import org.edgetorch.tensor.FloatTensor;

import java.util.ArrayList;
import java.util.List;

/** Runs a TorchScript module and the eager Java model on the same inputs and measures their agreement. */
public final class Verification {
    public static final double DEFAULT_TOLERANCE = 1e-4;

    private Verification() {
    }

    public record Result(Agreement random, Agreement images, double tolerance) {
        public double maxAbsDiff() {
            return Math.max(random == null ? 0 : random.maxAbsDiff(), images == null ? 0 : images.maxAbsDiff());
        }

        public boolean passed() {
            return maxAbsDiff() <= tolerance;
        }
    }

    public static Result run(Model scripted, TorchvisionModel eager, List<ImageInput> images, int randomInputs,
                             double tolerance) {
        Agreement random = null;
        if (randomInputs > 0) {
            List<FloatTensor> xs = new ArrayList<>();
            for (int i = 0; i < randomInputs; i++) xs.add(TorchScriptExport.exampleInput(100 + i));
            random = compare(scripted, eager, batch(xs));
        }
        Agreement real = images.isEmpty() ? null : compare(scripted, eager, ImageInputs.batch(images));
        return new Result(random, real, tolerance);
    }

    private static Agreement compare(Model scripted, TorchvisionModel eager, FloatTensor x) {
        return Agreement.of(eager.forward(x), scripted.forward(x));
    }

    private static FloatTensor batch(List<FloatTensor> xs) {
        return ImageInputs.batch(xs.stream().map(t -> new ImageInput("random", t)).toList());
    }
}
