package org.edgetorch.cli;

import org.edgetorch.backend.Backend;
import org.edgetorch.backend.Backends;
import picocli.CommandLine.Option;

/** {@code --threads} and {@code --seed}, shared by every command that runs a model. */
public final class RuntimeOptions {
    @Option(names = "--threads", paramLabel = "N", description = "LibTorch intra-op threads (default: 1).")
    public int threads = 1;

    @Option(names = "--seed", paramLabel = "N", description = "Seed of the built-in model's initialization (default: 0).")
    public long seed = 0;

    /** The process backend with this command's thread count applied. */
    public Backend backend() {
        Backend b = Backends.get();
        b.setThreads(threads);
        return b;
    }
}
