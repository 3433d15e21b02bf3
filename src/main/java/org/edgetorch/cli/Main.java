package org.edgetorch.cli;

import org.edgetorch.util.UserError;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

import java.io.PrintWriter;

/** Entry point of the shaded jar: {@code java -jar target/edgetorch.jar <command> ...}. */
@Command(name = "edgetorch",
        mixinStandardHelpOptions = true,
        versionProvider = VersionProvider.class,
        description = "MobileNet-V2 through the PyTorch-Mobile optimization path on LibTorch, measured.",
        subcommands = {
                InfoCommand.class,
                PreprocessCommand.class,
                PredictCommand.class,
                ExportCommand.class,
                VerifyCommand.class,
                BenchCommand.class,
                BridgeCommand.class,
                CompareCommand.class,
                QuantizeCommand.class,
                OptimizeCommand.class,
                StudyCommand.class,
                RemoteCommand.class,
                CommandLine.HelpCommand.class,
        })
public final class Main implements Runnable {

    @Option(names = "--verbose", scope = CommandLine.ScopeType.INHERIT,
            description = "Show stack traces of failures.")
    static boolean verbose;

    @Option(names = "--backend", scope = CommandLine.ScopeType.INHERIT, paramLabel = "NAME",
            description = "LibTorch backend: auto (default), bytedeco, bridge.")
    void backend(String name) {
        org.edgetorch.backend.Backends.request(name);
    }

    @CommandLine.Spec
    CommandLine.Model.CommandSpec spec;

    @Override
    public void run() {
        throw new CommandLine.ParameterException(spec.commandLine(), "a command is required (see --help)");
    }

    public static void main(String[] args) {
        int code = execute(args);
        System.out.flush();
        System.exit(code);
    }

    /** Runs the CLI and returns picocli's exit code: 0 ok, 1 failure, 2 usage. */
    public static int execute(String... args) {
        return commandLine().execute(args);
    }

    public static CommandLine commandLine() {
        // Static, and picocli takes a field's current value as its default: without this reset, one
        // --verbose run would change how the next in-process run (the tests) parses --verbose.
        verbose = false;
        CommandLine cl = new CommandLine(new Main());
        // mixinStandardHelpOptions gives every subcommand --version; without a provider it printed nothing.
        shareVersionProvider(cl, cl.getCommandSpec().versionProvider());
        // "--backend bridge": the value is also the name of the `bridge` command.
        cl.setAllowSubcommandsAsOptionParameters(true);
        cl.setExecutionExceptionHandler(Main::handleFailure);
        return cl;
    }

    private static void shareVersionProvider(CommandLine cl, CommandLine.IVersionProvider provider) {
        for (CommandLine sub : cl.getSubcommands().values()) {
            sub.getCommandSpec().versionProvider(provider);
            shareVersionProvider(sub, provider);
        }
    }

    private static int handleFailure(Exception e, CommandLine cl, CommandLine.ParseResult parsed) {
        PrintWriter err = cl.getErr();
        String msg;
        if (e instanceof UserError) {
            msg = e.getMessage();
        } else {
            msg = "internal error: " + e + (verbose ? "" : " (run with --verbose for details)");
        }
        err.println("edgetorch: " + msg.replace('\n', ' '));
        if (verbose) e.printStackTrace(err);
        err.flush();
        return 1;
    }
}
