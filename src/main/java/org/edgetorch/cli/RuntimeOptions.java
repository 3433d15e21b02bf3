package org.edgetorch.cli;

import org.edgetorch.backend.Backend;
import org.edgetorch.backend.Backends;
import picocli.CommandLine.Option;

/** {@code --threads}, shared by every command that runs a model. */
public final class RuntimeOptions {
    @Option(names = "--threads", paramLabel = "N", converter = OptionConverters.ThreadCount.class, description = "LibTorch intra-op threads (default: 1).")
    public int threads = 1;

    /** The process backend with this command's thread count applied. */
    public Backend backend() {
        Backend b = Backends.get();
        b.setThreads(threads);
        return b;
    }
}
