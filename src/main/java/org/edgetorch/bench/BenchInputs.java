package org.edgetorch.bench;

import org.edgetorch.image.ImageInput;
import org.edgetorch.image.ImageInputs;
import org.edgetorch.image.ImagePreprocessor;
import org.edgetorch.tensor.FloatTensor;
import org.edgetorch.util.UserError;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import java.util.Random;

/** Inputs for {@code bench}: a seeded random tensor, or a real image. */
public final class BenchInputs {
    /** MobileNet-V2's input: one RGB image, 224 x 224. */
    public static final long[] DEFAULT_SHAPE = {1, 3, 224, 224};
    private static final long MAX_ELEMENTS = 1L << 28;

    private BenchInputs() {
    }

    /** Standard-normal values from {@code java.util.Random(seed)}, in row-major order. */
    public static BenchInput dummy(long[] shape, long seed) {
        long n = 1;
        for (long d : shape) {
            if (d < 1) throw new UserError("input shape " + Arrays.toString(shape) + ": every dimension must be at least 1");
            n *= d;
            if (n > MAX_ELEMENTS) throw new UserError("input shape " + Arrays.toString(shape) + " is too large");
        }
        Random random = new Random(seed);
        float[] data = new float[(int) n];
        for (int i = 0; i < data.length; i++) data[i] = (float) random.nextGaussian();
        return new BenchInput("dummy", "seed " + seed, new FloatTensor(shape.clone(), data));
    }

    /**
     * A real image, preprocessed as every command does (torchvision's evaluation transform, see
     * README.md): [1, 3, 224, 224], ImageNet normalization.
     */
    public static BenchInput image(Path path) {
        return image(path, ImagePreprocessor.standard());
    }

    /** A real image with the given preprocessing ({@code --resize}). */
    public static BenchInput image(Path path, ImagePreprocessor preprocessor) {
        if (!Files.exists(path)) throw new UserError("--input " + path + ": no such file");
        if (Files.isDirectory(path)) throw new UserError("--input " + path + ": is a directory, expected one image");
        // ImageInputs reads by content and says what is wrong with a file that is not an image.
        ImageInput in = ImageInputs.collect(List.of(path), preprocessor).get(0);
        return new BenchInput("image", path.toString(), in.tensor());
    }

    /** Parses {@code 1,3,224,224}. */
    public static long[] parseShape(String text) {
        String[] parts = text.trim().split("\\s*[,x]\\s*", -1);
        long[] shape = new long[parts.length];
        try {
            for (int i = 0; i < parts.length; i++) shape[i] = Long.parseLong(parts[i]);
        } catch (NumberFormatException e) {
            throw new UserError("--shape '" + text + "': expected dimensions separated by commas, e.g. 1,3,224,224");
        }
        return shape;
    }
}
