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
        description = "CNNs (MobileNet-V2 first) through LibTorch, PyTorch Mobile, ONNX Runtime and TensorFlow Lite, FP32 and INT8, measured.",
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
                ZooCommand.class,
                AccuracyCommand.class,
                ResourceRunCommand.class,
                OneDnnProbeCommand.class,
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
        try {
            org.edgetorch.backend.Backends.request(name);
        } catch (UserError e) {
            // a ParameterException keeps picocli's own message ("Could not invoke ...") out of the way
            throw new CommandLine.ParameterException(spec.commandLine(), "--backend: " + e.getMessage());
        }
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
        cl.setParameterExceptionHandler(Main::handleUsageError);
        // every floating-point option of every command: NaN and infinities are refused by name
        cl.registerConverter(Double.class, new OptionConverters.FiniteDouble());
        cl.registerConverter(double.class, new OptionConverters.FiniteDouble());
        return cl;
    }

    private static void shareVersionProvider(CommandLine cl, CommandLine.IVersionProvider provider) {
        for (CommandLine sub : cl.getSubcommands().values()) {
            sub.getCommandSpec().versionProvider(provider);
            shareVersionProvider(sub, provider);
        }
    }

    /**
     * A usage error is one line too, naming the option and the value, with where to find help; picocli's
     * default would print the whole usage text after it.
     */
    private static int handleUsageError(CommandLine.ParameterException e, String[] args) {
        CommandLine cl = e.getCommandLine();
        PrintWriter err = cl.getErr();
        String help = cl.getCommandName().equals("edgetorch") ? "edgetorch --help" : "edgetorch " + cl.getCommandName() + " --help";
        err.println("edgetorch: " + String.valueOf(e.getMessage()).replace('\n', ' ') + " (see " + help + ")");
        if (verbose) e.printStackTrace(err);
        err.flush();
        return cl.getCommandSpec().exitCodeOnInvalidInput();
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
