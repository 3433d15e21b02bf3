package org.edgetorch.crosscheck;

import org.edgetorch.backend.Backends;
import org.edgetorch.runtime.Model;
import org.edgetorch.bench.BenchInput;
import org.edgetorch.bench.BenchReport;
import org.edgetorch.bench.BenchTarget;
import org.edgetorch.bench.BenchTargets;
import org.edgetorch.nn.BuiltInModels;
import org.edgetorch.util.UserError;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.function.Consumer;

/**
 * {@code bench --save-io}: before the benchmark, each variant runs once on the bench input and on every
 * replayed tensor (outputs recorded, not timed); a variant that cannot load or run here is recorded with
 * its error and left out of the benchmark, so one file a board's older LibTorch cannot read does not
 * hide the others. After the benchmark, each variant's latency is its measured wall-time statistics.
 */
public final class BenchIo {
    private BenchIo() {
    }

    /** The input's id in the file: the image's file name, or {@code dummy:<seed>:<shape>}. */
    public static String inputId(BenchInput in) {
        if (in.kind().equals("image")) return PredictIo.imageId(in.description());
        StringBuilder s = new StringBuilder("dummy:").append(in.description().replace(' ', '-')).append(':');
        long[] shape = in.tensor().shape();
        for (int i = 0; i < shape.length; i++) s.append(i == 0 ? "" : "x").append(shape[i]);
        return s.toString();
    }

    /** Records outputs; returns the specs that loaded and ran, for the benchmark. */
    public static List<String> recordOutputs(IoRecorder rec, List<String> specs, BenchInput in, BenchTargets.Context context,
                                             Consumer<String> progress) {
        String inputId = rec.input(inputId(in), in.description(), in.kind().equals("image") ? "image" : "dummy", null, in.tensor());
        List<BenchTarget> targets = BenchTargets.createAll(specs, context);
        List<String> runnable = new ArrayList<>();
        for (int i = 0; i < specs.size(); i++) {
            BenchTarget t = targets.get(i);
            if (progress != null) progress.accept("recording outputs of " + t.name());
            if (!BenchTargets.isEager(specs.get(i))) rec.file(t.name(), t.source(), t.kind(), Path.of(specs.get(i)));
            try (Model m = open(specs.get(i), context)) {
                rec.output(t.name(), m.source(), t.kind(), inputId, m.forward(in.tensor()));
                for (IoFile.Input r : rec.inputs()) {
                    if (r.origin().equals("replay")) rec.output(t.name(), m.source(), t.kind(), r.id(), m.forward(r.tensor()));
                }
                runnable.add(specs.get(i));
            } catch (UserError e) {
                rec.error(t.name(), t.source(), t.kind(), e.getMessage());
                System.err.println("edgetorch: " + t.name() + " left out: " + e.getMessage());
            }
        }
        return runnable;
    }

    private static Model open(String spec, BenchTargets.Context context) {
        if (BenchTargets.isEager(spec)) {
            Backends.requireBytedeco("the eager Java model");
            String arch = spec.equals(BenchTargets.EAGER) ? context.architecture() : spec.substring(BenchTargets.EAGER.length() + 1);
            return BuiltInModels.create(arch, context.weights(), context.seed());
        }
        return org.edgetorch.runtime.Runtimes.load(Path.of(spec)); // INT8 files run under their engine
    }

    /** Each benchmarked variant's wall-time statistics (milliseconds). */
    public static void recordLatency(IoRecorder rec, BenchReport report) {
        for (BenchReport.TargetResult t : report.targets()) {
            var s = t.wallMs();
            rec.latency(t.name(), t.source(), t.kind(), new IoFile.Latency("bench", s.n(), s.min(), s.median(), s.mean(), s.p90()));
        }
    }
}
