package org.edgetorch.cli;

import org.edgetorch.bench.BenchFormats;
import org.edgetorch.bench.BenchInput;
import org.edgetorch.bench.BenchInputs;
import org.edgetorch.bench.BenchOptions;
import org.edgetorch.bench.BenchReport;
import org.edgetorch.bench.BenchTarget;
import org.edgetorch.bench.BenchTargets;
import org.edgetorch.bench.Benchmark;
import org.edgetorch.nn.BuiltInModels;
import org.edgetorch.util.AtomicFiles;
import org.edgetorch.util.UserError;
import picocli.CommandLine.ArgGroup;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

import java.nio.file.Path;
import java.util.List;

@Command(name = "bench", mixinStandardHelpOptions = true, sortOptions = false,
        description = {
                "Benchmarks models: init (load) time, first inference, then warm-up and measured runs timed by a native clock.",
                "With several --model, the measured runs are interleaved (A B A B ...) and each model's median is compared to the first's.",
                "Table on stdout (or --json / --csv, schema " + BenchReport.SCHEMA + "); progress on stderr."})
public final class BenchCommand implements Runnable {

    @Option(names = "--model", required = true, paramLabel = "SPEC",
            description = "eager (the Java model of --arch, or eager:ARCH), or a .pt/.ptl file; repeat to compare.")
    List<String> models;

    @Mixin
    ModelOptions model;

    @Option(names = "--warmup", paramLabel = "N", description = "Warm-up runs per model (default: ${DEFAULT-VALUE}).")
    int warmup = BenchOptions.DEFAULT_WARMUP_RUNS;

    @Option(names = "--warmup-time", paramLabel = "S", description = "Keep warming up for at least S seconds (default: ${DEFAULT-VALUE}).")
    double warmupTime = BenchOptions.DEFAULT_WARMUP_SECONDS;

    @Option(names = "--runs", paramLabel = "N", description = "Measured runs per model, at least (default: ${DEFAULT-VALUE}).")
    int runs = BenchOptions.DEFAULT_RUNS;

    @Option(names = "--min-time", paramLabel = "S", description = "Keep measuring until each model has run for S seconds (default: ${DEFAULT-VALUE}).")
    double minTime = BenchOptions.DEFAULT_MIN_SECONDS;

    @Mixin
    RuntimeOptions runtime;

    @Mixin
    XnnpackOption xnnpack;

    @Mixin
    ImageOptions imageOptions;

    @Option(names = "--input", paramLabel = "dummy|IMAGE",
            description = "dummy: seeded standard-normal tensor of --shape; or an image file, preprocessed as by predict (default: ${DEFAULT-VALUE}).")
    String input = "dummy";

    @Option(names = "--shape", paramLabel = "N,C,H,W", description = "Shape of the dummy input (default: ${DEFAULT-VALUE}).")
    String shape = "1,3,224,224";

    @ArgGroup(exclusive = true)
    Format format = new Format();

    static final class Format {
        @Option(names = "--json", description = "Print the report as JSON (schema " + BenchReport.SCHEMA + ") instead of the table.")
        boolean json;

        @Option(names = "--csv", description = "Print one CSV row per model instead of the table.")
        boolean csv;
    }

    @Option(names = "--out", paramLabel = "FILE", description = "Also write the report to FILE: JSON, or CSV when FILE ends in .csv.")
    Path out;

    @Option(names = "--quiet", description = "No progress on stderr.")
    boolean quiet;

    @Mixin
    SaveIoOptions saveIo;

    @Override
    public void run() {
        if (runtime.threads < 1) throw new UserError("--threads must be at least 1, got " + runtime.threads);
        xnnpack.apply();
        BenchInput in = makeInput();
        BenchOptions options = new BenchOptions(warmup, warmupTime, runs, minTime, runtime.threads, in,
                quiet ? null : msg -> System.err.println("bench: " + msg));
        BenchTargets.Context context = new BenchTargets.Context(model.arch, model.seed, model.weights);
        org.edgetorch.crosscheck.IoRecorder io = saveIo.recorder("bench", runtime::backend,
                in.kind().equals("image") ? "OpenCV decode, shorter side 256 (" + imageOptions.resize + "), center crop 224, ImageNet mean/std" : null);
        List<String> specs = io == null ? models : org.edgetorch.crosscheck.BenchIo.recordOutputs(io, models, in, context, options.progress());
        if (io != null && specs.isEmpty()) {
            io.save(saveIo.saveIo);
            throw new UserError("no model could run here (see " + saveIo.saveIo + ")");
        }
        List<BenchTarget> targets = BenchTargets.createAll(specs, context);
        if (model.weights == null && models.stream().anyMatch(BenchTargets::isEager)) {
            System.err.println("note: eager: " + BuiltInModels.UNTRAINED_NOTE);
        }
        BenchReport report = Benchmark.run(targets, options);
        if (io != null) {
            org.edgetorch.crosscheck.BenchIo.recordLatency(io, report);
            io.save(saveIo.saveIo);
        }
        if (out != null) {
            String text = out.toString().endsWith(".csv") ? BenchFormats.csv(report) : BenchFormats.json(report) + "\n";
            AtomicFiles.writeString(out, text);
        }
        if (format.json) {
            System.out.println(BenchFormats.json(report));
        } else if (format.csv) {
            System.out.print(BenchFormats.csv(report));
        } else {
            System.out.print(BenchFormats.table(report));
        }
        System.out.flush();
    }

    private BenchInput makeInput() {
        if (input.equals("dummy")) return BenchInputs.dummy(BenchInputs.parseShape(shape), model.seed);
        try {
            return BenchInputs.image(Path.of(input), imageOptions.preprocessor());
        } catch (java.nio.file.InvalidPathException e) {
            throw new UserError("--input '" + input + "': neither dummy nor a valid path");
        }
    }
}
