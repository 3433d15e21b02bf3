package org.edgetorch.cli;

import org.edgetorch.mobile.MobileExportResult;
import org.edgetorch.mobile.MobileOptimizer;
import org.edgetorch.mobile.MobileOptions;
import org.edgetorch.util.Json;
import org.edgetorch.util.UserError;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

import java.nio.file.Path;

@Command(name = "optimize", mixinStandardHelpOptions = true,
        description = {
                "Optimize a TorchScript model for mobile and save it as a lite-interpreter archive (.ptl):",
                "freeze; remove dropout; fold BatchNorm into convolutions; FP32 conv2d/linear to XNNPACK prepacked ops",
                "with a following ReLU/ReLU6 fused as the clamp; packed weights computed once, at export. Quantized",
                "models keep their engine's packed weights. The result is read back and checked against the input."})
public final class OptimizeCommand implements Runnable {
    @picocli.CommandLine.Spec
    picocli.CommandLine.Model.CommandSpec spec;


    @Option(names = "--in", required = true, paramLabel = "FILE.pt", description = "TorchScript model whose forward takes one tensor.")
    Path in;

    @Option(names = "--out", required = true, paramLabel = "FILE.ptl", description = "Lite-interpreter archive to write.")
    Path out;

    @Option(names = "--no-debug-info", description = "Leave out the lite interpreter's debug records (source ranges, module call stacks).")
    boolean noDebugInfo;

    @Option(names = "--no-xnnpack", description = "Freeze and fold only; keep conv2d/linear as ATen ops.")
    boolean noXnnpack;

    @Option(names = "--engine", paramLabel = "NAME",
            description = "Quantized engine to pack a quantized model's weights for (default: the model's metadata, else qnnpack).")
    String engine;

    @Option(names = "--input-shape", paramLabel = "N,C,H,W", split = ",", description = "Shape of the check/timing inputs (default: 1,3,224,224).")
    long[] inputShape = {1, 3, 224, 224};

    @Option(names = "--tolerance", paramLabel = "X", description = "Largest absolute output difference accepted (default: ${DEFAULT-VALUE}).")
    double tolerance = MobileOptions.DEFAULT_TOLERANCE;

    @Option(names = "--samples", paramLabel = "N", description = "Random inputs the check runs (default: ${DEFAULT-VALUE}).")
    int samples = 4;

    @Option(names = "--no-verify", description = "Skip reading the archive back and comparing outputs.")
    boolean noVerify;

    @Option(names = "--runs", paramLabel = "N",
            description = "Interleaved forward runs of .pt and .ptl to time (0: no latency timing; default: ${DEFAULT-VALUE}).")
    int runs = 20;

    @Option(names = "--load-runs", paramLabel = "N", description = "Loads of each file to time (0: none; default: ${DEFAULT-VALUE}).")
    int loadRuns = 3;

    @Option(names = "--seed", paramLabel = "N", description = "Seed of the random check/timing inputs (default: 0).")
    long seed = 0;

    @Mixin
    RuntimeOptions runtime;

    @Mixin
    OutputOptions output;

    @Override
    public void run() {
        if (samples < 1) throw new UserError("--samples must be at least 1");
        if (runs < 0 || loadRuns < 0) throw new UserError("--runs and --load-runs must be 0 or more");
        if (!(tolerance >= 0)) throw new UserError("--tolerance must be 0 or more");
        for (long d : inputShape) if (d < 1) throw new UserError("--input-shape needs positive sizes");
        org.edgetorch.util.AtomicFiles.requireReplaceable(out); // before minutes of work, not after
        runtime.backend();
        MobileOptions options = MobileOptions.defaults()
                .withDebugInfo(!noDebugInfo)
                .withXnnpack(!noXnnpack)
                .withQuantizedEngine(engine)
                .withVerify(!noVerify, samples, tolerance)
                .withInputShape(inputShape)
                .withSeed(seed)
                .withTiming(loadRuns, runs);
        MobileExportResult r = MobileOptimizer.optimize(in, out, options);
        if (output.json) {
            out().println(Json.write(r));
        } else {
            MobileOptimizer.describe(r).forEach(out()::println);
        }
    }

    /** This command's output stream (picocli's, so the command can be run and captured in process). */
    private java.io.PrintWriter out() {
        return spec.commandLine().getOut();
    }
}
