package org.edgetorch.cli;

import org.edgetorch.backend.Backend;
import org.edgetorch.backend.Backends;
import org.edgetorch.runtime.Runtimes;
import picocli.CommandLine.Option;

/** {@code --threads}, shared by every command that runs a model. */
public final class RuntimeOptions {
    @Option(names = "--threads", paramLabel = "N", converter = OptionConverters.ThreadCount.class,
            description = "Intra-op threads of every runtime (default: 1).")
    public int threads = 1;

    /** This command's thread count, for every runtime (loads none). */
    public void apply() {
        Runtimes.setThreads(threads);
    }

    /** The process's LibTorch backend, with this command's thread count applied. */
    public Backend backend() {
        apply();
        Backend b = Backends.get();
        b.setThreads(threads);
        return b;
    }
}
