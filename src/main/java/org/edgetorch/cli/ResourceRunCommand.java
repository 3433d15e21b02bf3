package org.edgetorch.cli;

import org.edgetorch.bench.BenchInput;
import org.edgetorch.bench.BenchOptions;
import org.edgetorch.bench.BenchTargets;
import org.edgetorch.bench.ResourceProbe;
import org.edgetorch.bench.ResourceRuns;
import org.edgetorch.bench.ResourceUsage;
import org.edgetorch.util.Json;
import org.edgetorch.util.UserError;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

import java.io.IOException;
import java.nio.file.Path;

/**
 * The child process of a resource run ({@link ResourceRuns}): one model alone in this JVM, measured, one JSON line
 * on stdout. Hidden: bench and study start it; a user has no reason to.
 */
@Command(name = ResourceRuns.COMMAND, hidden = true,
        description = "Internal: memory, CPU and energy of one model in this process; one JSON document on stdout.")
public final class ResourceRunCommand implements Runnable {
    @Option(names = "--model", required = true)
    String model;

    @Option(names = "--name")
    String name;

    @Mixin
    ModelOptions modelOptions;

    @Option(names = "--input-tensor", required = true)
    Path inputTensor;

    @Option(names = "--threads")
    int threads = 1;

    @Option(names = "--warmup")
    int warmup = BenchOptions.DEFAULT_WARMUP_RUNS;

    @Option(names = "--warmup-time")
    double warmupTime = BenchOptions.DEFAULT_WARMUP_SECONDS;

    @Option(names = "--runs")
    int runs = BenchOptions.DEFAULT_RUNS;

    @Option(names = "--min-time")
    double minTime = BenchOptions.DEFAULT_MIN_SECONDS;

    @picocli.CommandLine.Spec
    picocli.CommandLine.Model.CommandSpec spec;

    @Override
    public void run() {
        if (threads < 1) throw new UserError("--threads must be at least 1, got " + threads);
        BenchInput input;
        try {
            input = new BenchInput("tensor", inputTensor.toString(), ResourceRuns.readTensor(inputTensor));
        } catch (IOException e) {
            throw new UserError(inputTensor + ": " + e.getMessage());
        }
        BenchOptions options = new BenchOptions(warmup, warmupTime, runs, minTime, threads, input, null);
        var context = new BenchTargets.Context(modelOptions.arch, modelOptions.seed, modelOptions.weights);
        ResourceUsage usage = ResourceProbe.run(BenchTargets.create(model, context), options);
        spec.commandLine().getOut().println(Json.write(usage.toJson()));
        spec.commandLine().getOut().flush();
    }
}
