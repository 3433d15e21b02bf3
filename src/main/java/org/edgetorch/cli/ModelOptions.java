package org.edgetorch.cli;

import org.edgetorch.nn.BuiltInModels;
import org.edgetorch.nn.TorchvisionModel;
import picocli.CommandLine.Option;

import java.nio.file.Path;

/** Which built-in Java model: {@code --arch}, {@code --weights}, and the seed of its initialization. */
public final class ModelOptions {
    @Option(names = "--arch", paramLabel = "NAME", description = "Built-in architecture: mobilenet_v2 (default), resnet18.")
    public String arch = "mobilenet_v2";

    @Option(names = "--weights", paramLabel = "FILE",
            description = "torchvision state dict saved with torch.save (default: seeded, untrained initialization).")
    public Path weights;

    @Option(names = "--seed", paramLabel = "N", description = "Seed of the untrained initialization (default: 0).")
    public long seed = 0;

    public TorchvisionModel create() {
        org.edgetorch.backend.Backends.requireBytedeco("the built-in Java model");
        TorchvisionModel m = BuiltInModels.create(arch, weights, seed);
        if (!m.trained()) System.err.println("note: " + BuiltInModels.UNTRAINED_NOTE);
        return m;
    }
}
