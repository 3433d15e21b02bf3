package org.edgetorch.remote;

import org.edgetorch.crosscheck.Bounds;
import org.edgetorch.crosscheck.CrossComparison;
import org.edgetorch.crosscheck.IoFile;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * Every board of one {@code edgetorch remote} run against the x86 reference.
 *
 * @param referenceSource {@code here} (benchmarked by this run on this machine) or {@code file} ({@code --reference})
 * @param plan            what each board ran (the reference too, when run here)
 */
public record Fleet(String created, String edgetorch, String referenceSource, String referenceFile, IoFile reference,
                    BenchPlan plan, List<Path> models, Bounds bounds, List<Entry> hosts) {

    public Fleet {
        models = List.copyOf(models);
        hosts = List.copyOf(hosts);
    }

    /** One board: how its steps went, and its comparison with the reference when its io file came back. */
    public record Entry(HostResult result, CrossComparison.Result comparison, String ioFile) {
        /** How {@link CrossComparison} says a variant did not run on the board. */
        static final String NOT_RUN = "did not run on the other machine";

        /** Why this board counts as failed: its step's failure, a variant it could not run, outputs beyond bounds. */
        public List<String> problems() {
            List<String> out = new ArrayList<>();
            if (!result.ok()) out.add(result.failedStep() + ": " + result.reason());
            if (comparison != null) {
                for (CrossComparison.VariantResult v : comparison.variants()) {
                    for (String p : v.problems()) {
                        out.add((p.startsWith(NOT_RUN) ? "run: " : "compare: ") + v.name() + ": " + p);
                    }
                }
                if (comparison.variants().isEmpty()) out.add("compare: no model variant in either file");
            }
            return out;
        }

        /** A variant the board could not run (no runtime for it, a file too new for its LibTorch): a failure, bounds or not. */
        public boolean anyNotRun() {
            return problems().stream().anyMatch(p -> p.startsWith("run: "));
        }
    }

    /** Every problem, each one line naming the host and the step. */
    public List<String> problems() {
        List<String> out = new ArrayList<>();
        for (Entry e : hosts) {
            for (String p : e.problems()) out.add(e.result().host().label() + ": " + p);
        }
        return out;
    }
}
