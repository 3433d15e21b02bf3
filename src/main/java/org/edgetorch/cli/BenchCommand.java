package org.edgetorch.cli;

import org.edgetorch.bench.BenchFormats;
import org.edgetorch.bench.BenchInput;
import org.edgetorch.bench.BenchInputs;
import org.edgetorch.bench.BenchListener;
import org.edgetorch.bench.BenchOptions;
import org.edgetorch.bench.BenchReport;
import org.edgetorch.bench.BenchTarget;
import org.edgetorch.bench.BenchTargets;
import org.edgetorch.bench.Benchmark;
import org.edgetorch.bench.ResourceRuns;
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
    /** At most one "measured N rounds" line this often. */
    private static final long PROGRESS_INTERVAL_NS = 2_000_000_000L;

    @picocli.CommandLine.Spec
    picocli.CommandLine.Model.CommandSpec spec;

    @Option(names = "--model", required = true, paramLabel = "SPEC",
            description = "eager (the Java model of --arch, or eager:ARCH), a .pt/.ptl file, or serving:FILE.pt (the file after "
                    + "torch.jit.freeze + optimize_for_inference, built at load: PyTorch's CPU serving path); repeat to compare.")
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

    @Option(names = "--input-layout", paramLabel = "LAYOUT",
            description = "auto (default: each model's own; channels-last for XNNPACK .ptl files), nchw or nhwc (LibTorch: "
                    + "channels-last memory) for every model; the conversion is made once, outside the timed region.")
    String inputLayout = "auto";

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

    @Option(names = "--resources", paramLabel = "child|off",
            description = "child (default): after the timed runs, each model again alone in a child process for its memory "
                    + "(RSS after load, peak RSS), CPU over all threads and energy; off: skip that.")
    String resources = "child";

    @Option(names = "--quiet", description = "No progress on stderr.")
    boolean quiet;

    @Mixin
    SaveIoOptions saveIo;

    @Override
    public void run() {
        if (runtime.threads < 1) throw new UserError("--threads must be at least 1, got " + runtime.threads);
        if (!resources.equals("child") && !resources.equals("off")) {
            throw new picocli.CommandLine.ParameterException(spec.commandLine(), "--resources must be child or off, got '" + resources + "'");
        }
        org.edgetorch.runtime.Runtimes.setInputLayout(org.edgetorch.runtime.InputLayout.parseOverride(inputLayout));
        xnnpack.apply();
        BenchInput in = makeInput();
        java.io.PrintWriter err = spec.commandLine().getErr();
        java.util.function.Consumer<String> progress = quiet ? null : msg -> {
            err.println("bench: " + msg);
            err.flush();
        };
        BenchOptions options = new BenchOptions(warmup, warmupTime, runs, minTime, runtime.threads, in,
                progress == null ? BenchListener.NONE : BenchListener.text(progress, PROGRESS_INTERVAL_NS));
        BenchTargets.Context context = new BenchTargets.Context(model.arch, model.seed, model.weights);
        org.edgetorch.crosscheck.IoRecorder io = saveIo.recorder("bench", runtime::backend,
                in.kind().equals("image") ? "OpenCV decode, shorter side 256 (" + imageOptions.resize + "), center crop 224, ImageNet mean/std" : null);
        List<String> specs = io == null ? models : org.edgetorch.crosscheck.BenchIo.recordOutputs(io, models, in, context, progress);
        if (io != null && specs.isEmpty()) {
            io.save(saveIo.saveIo);
            throw new UserError("no model could run here (see " + saveIo.saveIo + ")");
        }
        List<BenchTarget> targets = BenchTargets.createAll(specs, context);
        if (model.weights == null && models.stream().anyMatch(BenchTargets::isEager)) {
            err.println("note: eager: " + BuiltInModels.UNTRAINED_NOTE);
        }
        BenchReport report = Benchmark.run(targets, options);
        if (resources.equals("child")) {
            List<ResourceRuns.Spec> runs = new java.util.ArrayList<>();
            for (int i = 0; i < specs.size(); i++) runs.add(new ResourceRuns.Spec(report.targets().get(i).name(), specs.get(i)));
            report = report.withResources(ResourceRuns.measure(runs, context, options, org.edgetorch.backend.Backends.get().name()));
        }
        if (io != null) {
            org.edgetorch.crosscheck.BenchIo.recordLatency(io, report);
            io.save(saveIo.saveIo);
        }
        if (out != null) {
            String text = out.toString().endsWith(".csv") ? BenchFormats.csv(report) : BenchFormats.json(report) + "\n";
            AtomicFiles.writeString(out, text);
        }
        java.io.PrintWriter stdout = spec.commandLine().getOut();
        if (format.json) {
            stdout.println(BenchFormats.json(report));
        } else if (format.csv) {
            stdout.print(BenchFormats.csv(report));
        } else {
            stdout.print(BenchFormats.table(report));
        }
        stdout.flush();
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
