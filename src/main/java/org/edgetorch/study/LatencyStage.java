package org.edgetorch.study;

import org.edgetorch.bench.BenchInputs;
import org.edgetorch.bench.BenchTargets;
import org.edgetorch.bench.ResourceUsage;
import org.edgetorch.image.ImageInput;
import org.edgetorch.tensor.FloatTensor;

import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/**
 * Every variant, interleaved, at each {@code --threads} count: on a seeded dummy input (the study's main
 * figures) and, without {@code --quick}, on a real held-out photo as well.
 */
final class LatencyStage implements StudyStage {
    /** Seed of the dummy input (standard normal values from {@code java.util.Random}, as {@code bench} uses). */
    static final long DUMMY_SEED = 0;

    @Override
    public String name() {
        return "latency";
    }

    @Override
    public void run(StudyContext c) {
        List<StudyModel> models = c.models();
        List<String> names = new ArrayList<>(List.of("dummy"));
        List<FloatTensor> inputs = new ArrayList<>(List.of(dummyInput()));
        if (c.options().imageLatency() && !c.heldOut().isEmpty()) {
            ImageInput photo = c.heldOut().get(0);
            names.add("image:" + photo.name());
            inputs.add(photo.tensor());
        }
        for (int threads : c.options().threads()) {
            for (int i = 0; i < inputs.size(); i++) {
                Progress.Task task = c.progress().task(String.format(Locale.ROOT, "%d variant%s, %d thread%s, %s input",
                        models.size(), models.size() == 1 ? "" : "s", threads, threads == 1 ? "" : "s", names.get(i)));
                List<Latency> results = withRatios(c.meter().measure(models, inputs.get(i), names.get(i), threads,
                        c.options().latencyPlan(), task));
                if (i == 0 && c.options().resourcesAt(threads)) results = withResources(c, models, inputs.get(i), threads, results, task);
                c.addLatency(results);
                task.done(summary(results));
            }
        }
        c.backend().setThreads(c.options().threads().get(0));
    }

    /** Each variant's resource run, attached to its latency row; a failed child is reported in the row and in the notes. */
    private static List<Latency> withResources(StudyContext c, List<StudyModel> models, FloatTensor input, int threads,
                                               List<Latency> results, Progress.Task task) {
        StudyOptions o = c.options();
        List<ResourceUsage> usage = c.meter().resources(models, input, threads, o.resourcePlan(),
                new BenchTargets.Context(o.arch(), o.seed(), o.weights()), task);
        if (usage.size() != results.size()) return results;
        List<Latency> out = new ArrayList<>();
        for (int k = 0; k < results.size(); k++) {
            ResourceUsage u = usage.get(k);
            if (u.error() != null) c.note("Memory and CPU of " + results.get(k).variant() + " at " + threads + " thread(s): " + u.error());
            out.add(results.get(k).withResources(u));
        }
        return out;
    }

    static List<Latency> withRatios(List<Latency> results) {
        Latency eager = results.stream().filter(l -> l.variant().equals(Variant.FP32_EAGER)).findFirst().orElse(null);
        return results.stream().map(l -> l.withRatio(eager == null ? null : l.medianMs() / eager.medianMs())).toList();
    }

    private static String summary(List<Latency> results) {
        StringBuilder b = new StringBuilder("median");
        for (Latency l : results) b.append(String.format(Locale.ROOT, " %s %.2f ms;", l.variant(), l.medianMs()));
        b.setLength(b.length() - 1);
        return b.toString();
    }

    /** What {@code bench --input dummy} runs on: standard normal values from {@code java.util.Random(seed)}. */
    static FloatTensor dummyInput() {
        return BenchInputs.dummy(BenchInputs.DEFAULT_SHAPE, DUMMY_SEED).tensor();
    }
}
