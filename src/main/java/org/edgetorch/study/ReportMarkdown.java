package org.edgetorch.study;

import org.edgetorch.util.MachineInfo;
import org.edgetorch.tensor.Agreement;

import java.util.List;
import java.util.Locale;
import java.util.Map;

/** report.md: the study's tables for people, in the order a reader asks: what, on what, how fast, how faithful. */
public final class ReportMarkdown {
    private ReportMarkdown() {
    }

    /** The sentence every report and report.json carries about the weights. */
    public static String weightsSentence(StudyResult.ModelInfo m) {
        if (m.trained()) {
            return "The weights were given (" + m.origin() + ") and are taken to be trained: top-1/top-5 agreement then "
                    + "reflects real predictions.";
        }
        // the built-in model's seeded initialization, or a user's file (--model) that does not record trained weights
        boolean seeded = m.origin().startsWith("seeded initialization");
        return "The weights are untrained (" + m.origin() + (seeded ? ", BatchNorm statistics re-estimated on the bundled calibration photos" : "")
                + "): no accuracy figure means anything and class names are meaningless. Latency and file sizes do not depend on "
                + "the weights; SQNR and cosine still compare each variant with FP32 on identical weights, but top-1/top-5 "
                + "agreement is fragile because untrained logits are nearly flat. "
                + (seeded ? "Run with --weights FILE (a torchvision state dict)" : "Study a model file with trained weights")
                + " for figures that speak about accuracy.";
    }

    public static String render(StudyResult r, List<String> charts) {
        StringBuilder b = new StringBuilder();
        MachineInfo mi = r.machine();
        b.append("# edgetorch study: ").append(r.weights().arch()).append(" on ").append(mi.cpuModel()).append("\n\n");
        b.append("Measured ").append(r.created()).append(" by ").append(r.edgetorchVersion()).append(" with `")
                .append(r.command()).append("`.\n");
        if (r.quick()) {
            b.append("\n**Quick run** (`--quick`): few runs and images, a smoke test — the figures are indicative only.\n");
        }
        b.append("\n> **").append(r.weights().trained() ? "Trained weights." : "Untrained weights.").append("** ")
                .append(weightsSentence(r.weights())).append("\n\n");

        b.append("## Machine\n\n");
        MarkdownTable m = new MarkdownTable("", "");
        m.row("CPU", mi.cpuModel() + " (" + mi.cpus() + " logical CPUs)");
        m.row("OS / arch", mi.os() + " / " + mi.platform());
        m.row("Java", mi.java());
        m.row("LibTorch", mi.libtorch() + " (backend: " + mi.backend() + ")");
        m.row("Quantized engines", mi.quantizedEngines().isEmpty() ? "none" : String.join(", ", mi.quantizedEngines())
                + enginesUsed(r));
        m.row("XNNPACK", mi.xnnpack() ? "available" : "not available");
        m.row("Intra-op threads", join(r.threads()) + " (latency measured at each)");
        if (mi.loadAverage() >= 0) {
            m.row("Load average at start", fmt("%.2f", mi.loadAverage()) + (mi.loadAverage() > 0.5 * mi.cpus()
                    ? " — other work competed for the CPUs; figures are this moment's, not the machine's best" : ""));
        }
        m.row("Weights", (r.weights().trained() ? "trained: " : "UNTRAINED: ") + r.weights().origin());
        b.append(m.render()).append('\n');

        int t0 = r.threads().get(0);
        b.append("## Summary (").append(threads(t0)).append(", dummy input)\n\n");
        b.append(summary(r, t0)).append('\n');
        for (String f : Findings.of(r)) b.append("- ").append(f).append('\n');
        b.append('\n');
        b.append("Input: the layout the variant was given its input in (nhwc: channels-last; see the latency tables). ")
                .append("Ratio: the variant's median latency over FP32 eager's in the same interleaved run (below 1 = faster). ")
                .append("Agreement: logits against FP32 eager on ").append(r.heldOut().size())
                .append(" held-out photos (not used for calibration). *Study* columns: ").append(ReferenceFigures.SOURCE)
                .append(ReferenceFigures.ARCH.equals(r.weights().arch()) ? "" : "; given for " + ReferenceFigures.ARCH + " only")
                .append(".\n\n");
        for (String chart : charts) {
            b.append("![").append(chart.replace(".png", "")).append("](").append(chart).append(")\n\n");
        }

        b.append("## Latency\n\n");
        b.append("Timer: ").append(r.timer()).append(". Variants run interleaved (one call each per round); per variant ")
                .append(plan(r.plan())).append(". Input layout: the memory layout each loaded variant was given its input in ")
                .append("(the one its kernels want: nhwc is channels-last); conversion: that reorder, done once before the runs and ")
                .append("not timed.\n\n");
        for (int t : r.threads()) {
            for (String input : r.latencyInputs()) {
                b.append("### ").append(threads(t)).append(", ").append(inputName(input)).append("\n\n");
                b.append(latencyTable(r, t, input)).append('\n');
            }
        }

        resources(b, r);

        b.append("## Agreement with FP32 eager\n\n");
        b.append(agreementTable(r)).append('\n');
        b.append("SQNR: 10·log10(Σ ref² / Σ (ref − variant)²) over all logits, PyTorch numeric suite's measure (∞: identical). ")
                .append("Top-1: share of photos whose top class equals FP32's; top-5: FP32's top class within the variant's five.\n\n");
        verification(b, r);
        accuracy(b, r);

        if (r.python() != null) python(b, r);

        b.append("## Stages\n\n");
        MarkdownTable st = new MarkdownTable("Stage", "Status", ">Seconds", "Note");
        for (StageRecord s : r.stages()) {
            st.row(s.name(), s.status(), s.status().equals(StageRecord.SKIPPED) ? null : fmt("%.1f", s.seconds()), s.message());
        }
        b.append(st.render()).append('\n');

        if (!r.notes().isEmpty()) {
            b.append("## Notes\n\n");
            for (String n : r.notes()) b.append("- ").append(n).append('\n');
            b.append('\n');
        }
        b.append("## Reproduce\n\n```\n").append(r.command()).append("\n```\n\n")
                .append("Held-out photos: ").append(String.join(", ", r.heldOut())).append(".\n");
        return b.toString();
    }

    private static String summary(StudyResult r, int threads) {
        MarkdownTable t = new MarkdownTable("Variant", "Runtime", "Input", ">Size MB", ">Median ms", ">p90 ms", ">Ratio to FP32 eager",
                ">SQNR dB", ">Cosine", ">Top-1 agr.", ">Study ms", ">Study MB");
        for (Variant v : r.variants()) {
            Latency l = r.latency(v.id(), threads, "dummy");
            Agreement a = v.agreement();
            ReferenceFigures.Figure f = ReferenceFigures.of(r.weights().arch(), v.id());
            t.row(v.label(), v.runtime(), l == null ? null : l.inputLayout(), mb(v.bytes()), l == null ? null : ms(l.medianMs()), l == null ? null : ms(l.p90Ms()),
                    l == null ? null : ratio(l.ratioToEager()), a == null ? "(reference)" : sqnr(a.sqnrDb()),
                    a == null ? null : fmt("%.6f", a.cosine()), a == null ? null : pct(a.top1()),
                    f == null || f.latencyMs() == null ? null : fmt("%.1f", f.latencyMs()),
                    f == null || f.sizeMb() == null ? null : fmt("%.1f", f.sizeMb()));
        }
        return t.render();
    }

    private static String latencyTable(StudyResult r, int threads, String input) {
        MarkdownTable t = new MarkdownTable("Variant", ">Median ms", ">p10 ms", ">p90 ms", ">p99 ms", ">Mean ± stdev ms",
                ">Runs", ">Ratio to FP32 eager", ">Load ms", ">First ms", "Input layout", ">Conversion ms");
        for (Variant v : r.variants()) {
            Latency l = r.latency(v.id(), threads, input);
            if (l == null) continue;
            t.row(v.label(), ms(l.medianMs()), ms(l.p10Ms()), ms(l.p90Ms()), ms(l.p99Ms()),
                    fmt("%.2f ± %.2f", l.meanMs(), l.stdevMs()), l.runs(), ratio(l.ratioToEager()),
                    l.loadMs() == null ? "(in memory)" : fmt("%.0f", l.loadMs()), l.firstMs() == null ? null : ms(l.firstMs()),
                    l.inputLayout(), l.inputConversionMs() == null ? null : fmt("%.2f", l.inputConversionMs()));
        }
        return t.render();
    }

    /** Memory, CPU and energy per variant, from the resource runs (each variant alone in a child process). */
    private static void resources(StringBuilder b, StudyResult r) {
        if (r.latency().stream().noneMatch(l -> l.resources() != null)) return;
        b.append("## Memory, CPU and energy\n\n");
        b.append("Each variant alone in a child process (load, first run, warm-up, then the same number of runs, not interleaved), ")
                .append("dummy input. RSS after load and peak RSS as TFLite's benchmark_model reports them; CPU: all threads of the ")
                .append("process over the measured runs; utilization: CPU time / wall time (1.0 = one core busy); energy: joules per ")
                .append("inference over the measured runs with the meter's idle power subtracted.\n\n");
        String energyNote = null;
        for (int t : r.threads()) {
            MarkdownTable table = new MarkdownTable("Variant", ">RSS after load MiB", ">Peak RSS MiB", ">CPU ms / inference",
                    ">Utilization", ">J / inference", ">Median alone ms");
            boolean any = false;
            for (Variant v : r.variants()) {
                Latency l = r.latency(v.id(), t, "dummy");
                if (l == null || l.resources() == null) continue;
                any = true;
                org.edgetorch.bench.ResourceUsage u = l.resources();
                if (u.error() != null) {
                    table.row(v.label(), "failed: " + u.error(), null, null, null, null, null);
                    continue;
                }
                if (u.energy() == null) energyNote = "n/a: " + u.energyNote();
                else energyNote = u.energyNote();
                table.row(v.label(), mib(u.rssAfterLoadBytes()), mib(u.peakRssBytes()), num("%.2f", u.cpuMsPerInference()),
                        num("%.2f", u.utilization()), u.energy() == null ? "n/a" : num("%.4f", u.energy().netJoulesPerInference()),
                        num("%.2f", u.medianMs()));
            }
            if (!any) continue;
            b.append("### ").append(threads(t)).append("\n\n").append(table.render()).append('\n');
        }
        if (energyNote != null) b.append("Energy: ").append(energyNote).append(".\n\n");
    }

    private static void accuracy(StringBuilder b, StudyResult r) {
        if (r.labels() == null || r.accuracy().isEmpty()) return;
        b.append("## Accuracy\n\n");
        if (!r.weights().trained()) b.append("**Untrained weights: these figures are meaningless** (pass --weights FILE).\n\n");
        MarkdownTable t = new MarkdownTable("Variant", ">Top-1", ">Top-5");
        for (Variant v : r.variants()) {
            org.edgetorch.tensor.Accuracy a = r.accuracy().get(v.id());
            if (a != null) t.row(v.label(), pct(a.top1()), pct(a.top5()));
        }
        b.append(t.render()).append('\n').append("On ").append(r.heldOut().size()).append(" images, labels from ")
                .append(r.labels()).append(".\n\n");
    }

    static String mib(long bytes) {
        return bytes < 0 ? "n/a" : fmt("%.1f", bytes / 1048576.0);
    }

    private static String num(String format, double v) {
        return Double.isNaN(v) ? "n/a" : fmt(format, v);
    }

    private static String agreementTable(StudyResult r) {
        MarkdownTable t = new MarkdownTable("Variant", "File", ">Size MB", ">SQNR dB", ">Cosine", ">Top-1", ">Top-5",
                ">Max abs diff", ">Mean abs diff");
        for (Variant v : r.variants()) {
            Agreement a = v.agreement();
            t.row(v.label(), v.file() == null ? "(in memory)" : "`" + v.file() + "`", mb(v.bytes()),
                    a == null ? "(reference)" : sqnr(a.sqnrDb()), a == null ? null : fmt("%.6f", a.cosine()),
                    a == null ? null : pct(a.top1()), a == null ? null : pct(a.top5()),
                    a == null ? null : small(a.maxAbsDiff()), a == null ? null : small(a.meanAbsDiff()));
        }
        return t.render();
    }

    @SuppressWarnings("unchecked")
    private static void verification(StringBuilder b, StudyResult r) {
        if (r.verification().isEmpty()) return;
        b.append("### Verification\n\n");
        for (Map.Entry<String, Object> e : r.verification().entrySet()) {
            Map<String, Object> v = (Map<String, Object>) e.getValue();
            boolean passed = Boolean.TRUE.equals(v.get("passed"));
            b.append("- `").append(v.get("model")).append("` against ").append(v.get("reference")).append(": **")
                    .append(passed ? "PASS" : "FAIL").append("**, max abs logit difference ")
                    .append(small(((Number) v.get("max_abs_diff")).doubleValue())).append(" (tolerance ")
                    .append(fmt("%.0e", ((Number) v.get("tolerance")).doubleValue())).append(", random and held-out inputs)\n");
        }
        b.append('\n');
    }

    private static void python(StringBuilder b, StudyResult r) {
        PythonResult p = r.python();
        b.append("## Side by side: PyTorch in Python on this machine\n\n");
        if (!p.ran()) {
            b.append(p.status().equals("unavailable") ? "Not run: " : "**Failed:** ").append(p.message()).append("\n\n");
            return;
        }
        b.append("edgetorch on LibTorch ").append(r.machine().libtorch()).append(" (Java) beside bench/python_study.py on PyTorch ")
                .append(p.torch()).append(" / torchvision ").append(p.torchvision()).append(" (").append(p.python())
                .append("), same machine, same FP32 weights (read from the exported TorchScript file), same input tensors. ")
                .append("Python quantizes with PyTorch's own FX graph mode and optimizes with torch.utils.mobile_optimizer. ")
                .append("Python's quantized engines: ").append(String.join(", ", p.quantizedEngines())).append(".\n\n");
        for (int t : r.threads()) {
            for (String input : r.latencyInputs()) {
                MarkdownTable tb = new MarkdownTable("Variant", ">edgetorch ms", ">PyTorch ms", ">edgetorch / PyTorch",
                        "Input edgetorch / PyTorch", ">edgetorch MB", ">PyTorch MB", ">edgetorch SQNR dB", ">PyTorch SQNR dB");
                for (Variant pv : p.variants()) {
                    Latency pl = p.latency().stream().filter(l -> l.variant().equals(pv.id()) && l.threads() == t
                            && l.input().equals(input)).findFirst().orElse(null);
                    Variant jv = r.variant(pv.id());
                    Latency jl = r.latency(pv.id(), t, input);
                    tb.row(jv != null ? jv.label() : pv.label(), jl == null ? null : ms(jl.medianMs()), pl == null ? null : ms(pl.medianMs()),
                            jl == null || pl == null ? null : ratio(jl.medianMs() / pl.medianMs()),
                            layouts(jl, pl), jv == null ? null : mb(jv.bytes()), mb(pv.bytes()),
                            jv == null ? null : jv.agreement() == null ? "(reference)" : sqnr(jv.agreement().sqnrDb()),
                            pv.agreement() == null ? "(reference)" : sqnr(pv.agreement().sqnrDb()));
                }
                if (tb.isEmpty()) continue;
                b.append("### ").append(threads(t)).append(", ").append(inputName(input)).append("\n\n").append(tb.render()).append('\n');
            }
        }
        b.append("edgetorch / PyTorch: median over median (below 1 = edgetorch faster). Medians are from separate runs "
                + "(Java, then Python) on the same machine, so background load can differ between them.\n\n");
        for (String n : p.notes()) b.append("- ").append(n).append('\n');
        if (!p.notes().isEmpty()) b.append('\n');
    }

    /** "nhwc / nchw": each side's input layout, "?" where a side did not record it. */
    private static String layouts(Latency java, Latency python) {
        if (java == null && python == null) return null;
        return layout(java) + " / " + layout(python);
    }

    private static String layout(Latency l) {
        return l == null ? "–" : l.inputLayout() == null ? "?" : l.inputLayout();
    }

    private static String enginesUsed(StudyResult r) {
        List<String> used = r.variants().stream().map(Variant::engine).filter(e -> e != null).distinct().toList();
        return used.isEmpty() ? "" : " (used: " + String.join(", ", used) + ")";
    }

    private static String plan(LatencyPlan p) {
        return "warm-up " + countAndTime(p.warmupRuns(), p.warmupSeconds()) + ", then " + countAndTime(p.runs(), p.minSeconds())
                + " measured";
    }

    private static String countAndTime(int runs, double seconds) {
        if (seconds == 0) return runs + " runs";
        return fmt("≥ %d runs and ≥ %.1f s", runs, seconds);
    }

    static String inputName(String input) {
        return input.equals("dummy") ? "dummy input (seeded random tensor)" : input.startsWith("image:")
                ? "real photo " + input.substring("image:".length()) : input;
    }

    static String threads(int t) {
        return t + (t == 1 ? " thread" : " threads");
    }

    private static String join(List<Integer> xs) {
        return String.join(", ", xs.stream().map(String::valueOf).toList());
    }

    static String ms(double v) {
        return fmt(v < 10 ? "%.2f" : "%.1f", v);
    }

    static String mb(Long bytes) {
        return bytes == null ? null : fmt("%.2f", bytes / 1e6);
    }

    static String ratio(Double v) {
        return v == null ? null : fmt("%.2f×", v);
    }

    static String sqnr(double db) {
        return Double.isInfinite(db) ? "∞" : fmt("%.1f", db);
    }

    /** Differences: 0 exactly, else three significant digits. */
    static String small(double v) {
        return v == 0 ? "0" : fmt("%.3g", v);
    }

    static String pct(double v) {
        return fmt("%.0f%%", 100 * v);
    }

    static String fmt(String f, Object... args) {
        return String.format(Locale.ROOT, f, args);
    }
}
