package org.edgetorch.study;

import org.edgetorch.backend.Backend;
import org.edgetorch.bench.BenchInput;
import org.edgetorch.bench.BenchOptions;
import org.edgetorch.bench.BenchReport;
import org.edgetorch.bench.BenchTarget;
import org.edgetorch.bench.Benchmark;
import org.edgetorch.bench.Clocks;
import org.edgetorch.bench.ModelTarget;
import org.edgetorch.nn.TorchvisionModel;
import org.edgetorch.tensor.FloatTensor;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The study's latency through the {@code bench} harness ({@link Benchmark#run}): native clock around each
 * call, samples in native memory, interleaved rounds, load and first-inference times, peak RSS.
 */
final class HarnessLatencyMeter implements LatencyMeter {
    private static final Pattern ROUNDS = Pattern.compile("measured (\\d+) rounds? in ([0-9.]+) s");

    private final Backend backend;

    HarnessLatencyMeter(Backend backend) {
        this.backend = backend;
    }

    @Override
    public String description() {
        Clocks c = Clocks.get();
        return "the bench harness (" + c.implementation() + " clock " + c.wallClock() + " around each call"
                + (c.fallbackReason() == null ? "" : "; " + c.fallbackReason()) + ")";
    }

    @Override
    public List<Latency> measure(List<StudyModel> models, FloatTensor input, String inputName, int threads, LatencyPlan plan,
                                 Progress.Task task) {
        // Files run on the runtime their format chooses; quantized LibTorch files select their own engine
        // before each call there (see LibTorchRuntime).
        List<BenchTarget> targets = new ArrayList<>();
        for (StudyModel m : models) {
            targets.add(m.fromFile()
                    ? new ModelTarget(m.variant().id(), Path.of(m.variant().file()), m.xnnpack())
                    : org.edgetorch.bench.EagerTarget.prebuilt(m.variant().id(), (TorchvisionModel) m.loader().get()));
        }
        BenchInput in = new BenchInput(inputName.equals("dummy") ? "dummy" : "image", inputName, input);
        BenchOptions options = new BenchOptions(plan.warmupRuns(), plan.warmupSeconds(), plan.runs(), plan.minSeconds(), threads,
                in, message -> progress(task, plan, message));
        BenchReport report = Benchmark.run(targets, options);
        List<Latency> out = new ArrayList<>();
        for (int i = 0; i < models.size(); i++) {
            BenchReport.TargetResult r = report.targets().get(i);
            var w = r.wallMs();
            out.add(new Latency(models.get(i).variant().id(), threads, inputName, r.runs(), r.warmupRuns(), w.median(), w.p10(),
                    w.p90(), w.p99(), w.mean(), w.stdev(), w.min(), w.max(), models.get(i).fromFile() ? r.loadMs() : null,
                    r.firstMs(), r.peakRssBytes() >= 0 ? r.peakRssBytes() : null, null,
                    "bench harness, " + r.timingLoop() + " loop, " + report.clock().wall()));
        }
        return out;
    }

    /** The harness reports rounds done and time spent; the plan says how many rounds there will be. */
    static void progress(Progress.Task task, LatencyPlan plan, String message) {
        Matcher m = ROUNDS.matcher(message);
        if (m.find() && plan.runs() > 0) {
            int rounds = Integer.parseInt(m.group(1));
            double seconds = Double.parseDouble(m.group(2));
            int planned = Math.max(rounds, plan.runs());
            task.update((double) rounds / planned, "round " + rounds + "/" + planned, (planned - rounds) * seconds / rounds);
        } else {
            task.update(0, message);
        }
    }
}
