package org.edgetorch.cli;

import org.edgetorch.backend.Backend;
import org.edgetorch.backend.Backends;
import org.edgetorch.backend.OneDnnGuard;
import org.edgetorch.quant.PackProbe;
import org.edgetorch.runtime.InputLayout;
import org.edgetorch.runtime.Model;
import org.edgetorch.util.UserError;
import picocli.CommandLine.ArgGroup;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

import java.nio.file.Path;

/**
 * The child process of {@link OneDnnGuard}: packs quantized weights under an engine, from a pack plan or by loading a
 * quantized file, and prints one line. If oneDNN aborts, this process dies instead of the one that asked. Hidden.
 */
@Command(name = OneDnnGuard.COMMAND, hidden = true,
        description = "Internal: pack quantized weights under an engine in this process (to see whether oneDNN aborts).")
public final class OneDnnProbeCommand implements Runnable {
    @Option(names = "--engine", required = true)
    String engine;

    @ArgGroup(exclusive = true, multiplicity = "1")
    What what;

    static final class What {
        @Option(names = "--packs", description = "a pack plan (JSON) written by the parent")
        Path packs;

        @Option(names = "--load", description = "a quantized TorchScript file to load")
        Path load;
    }

    @Option(names = "--threads")
    Integer threads;

    @picocli.CommandLine.Spec
    picocli.CommandLine.Model.CommandSpec spec;

    @Override
    public void run() {
        if (threads != null) {
            if (threads < 1) throw new UserError("--threads must be at least 1, got " + threads);
            Backends.setThreads(threads);
        }
        String done;
        if (what.packs != null) {
            done = PackProbe.run(engine, what.packs) + " packs made";
        } else {
            // the backend's own load, not the runtime's: the runtime would ask this guard again
            Backend b = Backends.get();
            b.setQuantizedEngine(engine);
            try (Model m = b.load(what.load, InputLayout.NCHW)) {
                done = "loaded " + what.load.getFileName();
            }
        }
        spec.commandLine().getOut().println("ok: " + done + " under " + engine);
        spec.commandLine().getOut().flush();
    }
}
