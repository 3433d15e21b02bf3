package org.edgetorch.cli;

import org.edgetorch.backend.bridge.BridgeBuilder;
import org.edgetorch.backend.bridge.BridgeLibrary;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

import java.nio.file.Path;

/** {@code edgetorch bridge build}: compiles the bridge here, against any LibTorch that has headers. */
@Command(name = "bridge", mixinStandardHelpOptions = true,
        description = "The bridge over a system LibTorch (the backend on linux-arm64).",
        subcommands = {BridgeCommand.Build.class})
public final class BridgeCommand implements Runnable {

    @picocli.CommandLine.Spec
    picocli.CommandLine.Model.CommandSpec spec;

    @Override
    public void run() {
        throw new picocli.CommandLine.ParameterException(spec.commandLine(), "a subcommand is required (see --help)");
    }

    @Command(name = "build", mixinStandardHelpOptions = true,
            description = {"Compile the bridge against the LibTorch in DIR with this machine's C++ compiler (JavaCPP's Builder).",
                    "DIR: /usr for Debian's libtorch-dev, an unpacked LibTorch zip, or a pip torch package folder "
                            + "(python3 -c 'import torch, os; print(os.path.dirname(torch.__file__))').",
                    "Needs g++ (C++17) and a JDK (jni.h). The result is used instead of the jar's bridge from then on."})
    public static final class Build implements Runnable {
        @picocli.CommandLine.Spec
        picocli.CommandLine.Model.CommandSpec spec;

        @Option(names = "--libtorch", required = true, paramLabel = "DIR", description = "LibTorch with include/ and lib/ (or lib/<multiarch>/).")
        Path libtorch;

        @Option(names = "--out", paramLabel = "DIR", description = "Output folder (default: ~/.edgetorch/bridge/<platform>/, where edgetorch looks first).")
        Path out;

        @Option(names = "--compiler", paramLabel = "CXX", description = "C++ compiler (default: JavaCPP's for this platform, g++ on Linux).")
        String compiler;

        @Option(names = "--quiet", description = "Do not show the compiler command.")
        boolean quiet;

        @Override
        public void run() {
            java.io.PrintWriter w = spec.commandLine().getOut();
            Path dir = out != null ? out : BridgeLibrary.userDirectory();
            long t0 = System.nanoTime();
            Path lib = BridgeBuilder.build(libtorch, dir, compiler, quiet ? null : System.err);
            w.printf("built %s in %.0f s%n", lib, (System.nanoTime() - t0) / 1e9);
            if (out != null && !dir.toAbsolutePath().equals(BridgeLibrary.userDirectory().toAbsolutePath())) {
                w.println("use it with: -D" + BridgeLibrary.PROPERTY + "=" + lib + " or " + BridgeLibrary.ENV + "=" + lib);
            } else {
                w.println("edgetorch now uses it for --backend bridge (and on linux-arm64); check with: edgetorch --backend bridge info");
            }
        }
    }
}
