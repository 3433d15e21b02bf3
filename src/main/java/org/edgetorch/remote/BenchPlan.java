package org.edgetorch.remote;

import org.edgetorch.backend.Backend;
import org.edgetorch.backend.Backends;
import org.edgetorch.bench.BenchInput;
import org.edgetorch.bench.BenchInputs;
import org.edgetorch.bench.BenchOptions;
import org.edgetorch.bench.BenchReport;
import org.edgetorch.bench.BenchTargets;
import org.edgetorch.bench.Benchmark;
import org.edgetorch.crosscheck.BenchIo;
import org.edgetorch.crosscheck.IoFile;
import org.edgetorch.crosscheck.IoRecorder;
import org.edgetorch.runtime.Runtimes;
import org.edgetorch.util.UserError;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.function.Consumer;

/**
 * The benchmark every machine runs, the reference and each board alike: the seeded dummy input of
 * {@code shape}, warm-up and measured runs, threads. {@link #args()} is the board's {@code bench} command
 * line; {@link #runReference} runs the same here, in this process, through the same classes {@code bench
 * --save-io} uses.
 */
public record BenchPlan(String shape, int warmup, int runs, double minTime, int threads) {

    public BenchPlan {
        BenchInputs.parseShape(shape);  // a wrong shape fails before any board is contacted
        if (threads < 1) throw new UserError("--threads must be at least 1, got " + threads);
        new BenchOptions(warmup, 0, runs, minTime, threads, BenchInputs.dummy(new long[]{1}, 0), null);
    }

    /** The board's {@code bench} options (the models, --save-io and --replay are added by the caller). */
    public List<String> args() {
        return List.of("--shape", shape, "--warmup", String.valueOf(warmup), "--warmup-time", "0",
                "--runs", String.valueOf(runs), "--min-time", String.format(Locale.ROOT, "%s", minTime),
                "--threads", String.valueOf(threads));
    }

    /**
     * Benchmarks the models here and saves the io file (schema {@value IoFile#SCHEMA}) at {@code target}:
     * outputs on the dummy input, latency, this machine.
     */
    public IoFile runReference(List<Path> models, Path target, Consumer<String> progress) {
        Runtimes.setThreads(threads);
        Backend backend = Backends.get();
        backend.setThreads(threads);
        BenchInput in = BenchInputs.dummy(BenchInputs.parseShape(shape), 0);
        BenchOptions options = new BenchOptions(warmup, 0, runs, minTime, threads, in,
                progress == null ? null : org.edgetorch.bench.BenchListener.text(progress, 2_000_000_000L));
        BenchTargets.Context context = new BenchTargets.Context("mobilenet_v2", 0, null);
        IoRecorder io = IoRecorder.start("bench", backend, null);
        List<String> specs = new ArrayList<>();
        for (Path m : models) specs.add(m.toString());
        List<String> runnable = BenchIo.recordOutputs(io, specs, in, context, progress);
        if (runnable.isEmpty()) {
            io.save(target);
            throw new UserError("no model could run on this machine, so there is no reference (see " + target + ")");
        }
        BenchReport report = Benchmark.run(BenchTargets.createAll(runnable, context), options);
        BenchIo.recordLatency(io, report);
        return io.save(target);
    }
}
