package org.edgetorch.study;

import org.edgetorch.backend.Backend;
import org.edgetorch.bench.BenchInput;
import org.edgetorch.bench.BenchListener;
import org.edgetorch.bench.BenchOptions;
import org.edgetorch.bench.BenchReport;
import org.edgetorch.bench.BenchTarget;
import org.edgetorch.bench.BenchTargets;
import org.edgetorch.bench.ResourceRuns;
import org.edgetorch.bench.ResourceUsage;
import org.edgetorch.bench.Benchmark;
import org.edgetorch.bench.Clocks;
import org.edgetorch.bench.ModelTarget;
import org.edgetorch.nn.TorchvisionModel;
import org.edgetorch.tensor.FloatTensor;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * The study's latency through the {@code bench} harness ({@link Benchmark#run}): native clock around each
 * call, samples in native memory, interleaved rounds, load and first-inference times, peak RSS.
 */
final class HarnessLatencyMeter implements LatencyMeter {
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
            targets.add(serving(m) ? new org.edgetorch.bench.ServingTarget(m.variant().id(), Path.of(m.variant().file()))
                    : m.fromFile()
                    ? new ModelTarget(m.variant().id(), Path.of(m.variant().file()), m.xnnpack())
                    : org.edgetorch.bench.EagerTarget.prebuilt(m.variant().id(), (TorchvisionModel) m.loader().get()));
        }
        BenchInput in = new BenchInput(inputName.equals("dummy") ? "dummy" : "image", inputName, input);
        BenchOptions options = new BenchOptions(plan.warmupRuns(), plan.warmupSeconds(), plan.runs(), plan.minSeconds(), threads,
                in, new TaskListener(task));
        BenchReport report = Benchmark.run(targets, options);
        List<Latency> out = new ArrayList<>();
        for (int i = 0; i < models.size(); i++) {
            BenchReport.TargetResult r = report.targets().get(i);
            var w = r.wallMs();
            out.add(new Latency(models.get(i).variant().id(), threads, inputName, r.runs(), r.warmupRuns(), w.median(), w.p10(),
                    w.p90(), w.p99(), w.mean(), w.stdev(), w.min(), w.max(), models.get(i).fromFile() ? r.loadMs() : null,
                    r.firstMs(), r.peakRssBytes() >= 0 ? r.peakRssBytes() : null, null,
                    "bench harness, " + r.timingLoop() + " loop, " + report.clock().wall(), null,
                    r.inputLayout(), r.inputConversionMs()));
        }
        return out;
    }

    @Override
    public List<ResourceUsage> resources(List<StudyModel> models, FloatTensor input, int threads, LatencyPlan plan,
                                         BenchTargets.Context eager, Progress.Task task) {
        List<ResourceRuns.Spec> specs = new ArrayList<>();
        for (StudyModel m : models) {
            String spec = serving(m) ? org.edgetorch.bench.ServingTarget.PREFIX + m.variant().file()
                    : m.fromFile() ? m.variant().file() : "eager:" + eager.architecture();
            specs.add(new ResourceRuns.Spec(m.variant().id(), spec));
        }
        BenchOptions options = new BenchOptions(plan.warmupRuns(), plan.warmupSeconds(), plan.runs(), plan.minSeconds(), threads,
                new BenchInput("dummy", "dummy", input), new TaskListener(task));
        return ResourceRuns.measure(specs, eager, options, backend.name());
    }

    private static boolean serving(StudyModel m) {
        return "torchscript-serving".equals(m.variant().format());
    }

    /** The harness's events as the study's progress line: what loads, then rounds done of those planned and time left. */
    static final class TaskListener implements BenchListener {
        private final Progress.Task task;

        TaskListener(Progress.Task task) {
            this.task = task;
        }

        @Override
        public void onLoadStart(String target) {
            task.update(0, "loading " + target);
        }

        @Override
        public void onWarmupStart(String target) {
            task.update(0, "warming up " + target);
        }

        @Override
        public void onRoundEnd(int rounds, int plannedRounds, long elapsedNs) {
            if (plannedRounds <= 0) {
                task.update(0, "round " + rounds);
                return;
            }
            int planned = Math.max(rounds, plannedRounds);
            task.update((double) rounds / planned, "round " + rounds + "/" + planned, (planned - rounds) * (elapsedNs / 1e9) / rounds);
        }

        @Override
        public void onResourceRunStart(String target, int index, int count) {
            task.update(1, "memory and CPU of " + target + " in a child process (" + index + "/" + count + ")");
        }
    }
}
