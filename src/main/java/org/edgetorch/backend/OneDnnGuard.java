package org.edgetorch.backend;

import org.edgetorch.bench.OneDnnCaches;
import org.edgetorch.util.ChildJvm;
import org.edgetorch.util.UserError;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.function.Supplier;

/**
 * Packs quantized weights for the {@code onednn} and {@code x86} engines in a child JVM first, where LibTorch 2.10's
 * oneDNN may abort the process ({@link OneDnnCaches}: a CPU whose cache description it reads as 1 byte; there
 * {@code quantized::conv2d_prepack} of some 1×1 convolutions, e.g. ResNet-50's, divides by zero in
 * {@code brg_blocking_t::est_eff_1x1}, while MobileNet-V2's pack fine). Elsewhere, and for the other engines, nothing
 * is run and nothing is paid.
 *
 * <p>Two checks: {@link #checkPacking} (static quantization, before the parent packs: the child packs weights of the
 * same shapes, layout and quantization scheme under the same engine and thread count) and {@link #checkLoading} (a
 * quantized file recorded for such an engine: loading unpickles its packed weights, which packs them again, so the
 * child loads the file). A child that crashed (a JVM crash report, or ended by a signal) turns into one {@link UserError}; a child that succeeds lets the
 * caller go on as it would have; a child that fails in Java (exit 1) also lets it go on, since the caller then meets
 * the same Java-level error and reports it itself. Verdicts are remembered for the process.
 */
public final class OneDnnGuard {
    /** The hidden subcommand the child runs. */
    public static final String COMMAND = "onednn-probe";
    /** The engines whose packing runs oneDNN's code. */
    static final List<String> ENGINES = List.of("onednn", "x86");
    /** The pack plan's file name in the child's directory. */
    static final String PLAN = "packs.json";

    /** Why oneDNN would abort here, or null; replaced by tests. */
    static Supplier<String> problemSource = OneDnnCaches::problem;
    /** The child's main class; replaced by tests with one that crashes. */
    static String childMain = ChildJvm.MAIN;
    private static String problem;
    private static boolean problemKnown;
    /** Verdicts by what was checked: null (went through) or the refusal. */
    private static final Map<String, String> verdicts = new HashMap<>();

    private OneDnnGuard() {
    }

    /** Whether packing for {@code engine} must be tried in a child first on this machine. Reads the CPU once. */
    public static synchronized boolean applies(String engine) {
        if (engine == null || !ENGINES.contains(engine.toLowerCase(Locale.ROOT))) return false;
        if (!problemKnown) {
            problem = problemSource.get();
            problemKnown = true;
        }
        return problem != null;
    }

    /**
     * Before static quantization packs weights for {@code engine}: runs the pack plan {@code planJson} (what
     * {@code quant/PackProbe} writes and the child runs) in a child JVM, and throws a UserError if it dies.
     *
     * @param source the FP32 file being quantized (named in the refusal)
     */
    public static void checkPacking(Path source, String engine, Supplier<String> planJson) {
        if (!applies(engine)) return;
        String plan = planJson.get();
        String key = "pack|" + engine + "|" + threads() + "|" + plan;
        check(key, List.of("--engine", engine.toLowerCase(Locale.ROOT), "--packs", PLAN), plan,
                "while packing " + source.getFileName() + "'s weights for the " + engine + " engine", "use --engine fbgemm or qnnpack");
    }

    /** Before loading a quantized file recorded for {@code engine}: loads it in a child JVM first. */
    public static void checkLoading(Path file, String engine) {
        if (!applies(engine)) return;
        String key = loadKey(file, engine);
        check(key, List.of("--engine", engine.toLowerCase(Locale.ROOT), "--load", file.toAbsolutePath().toString()), null,
                "while loading " + file.getFileName() + " (loading packs its weights again for the " + engine + " engine)",
                "quantize the model for the fbgemm or qnnpack engine instead");
    }

    /**
     * Records that {@code file}, just written for {@code engine} after {@link #checkPacking} passed for its weights,
     * loads without a child (its loading packs the same weights again).
     */
    public static synchronized void markLoadable(Path file, String engine) {
        if (!applies(engine)) return;
        verdicts.put(loadKey(file, engine), null);
    }

    private static void check(String key, List<String> probeArgs, String plan, String during, String advice) {
        synchronized (OneDnnGuard.class) {
            if (verdicts.containsKey(key)) {
                String refusal = verdicts.get(key);
                if (refusal != null) throw new UserError(refusal);
                return;
            }
        }
        String refusal = runChild(probeArgs, plan, during, advice);
        synchronized (OneDnnGuard.class) {
            verdicts.put(key, refusal);
        }
        if (refusal != null) throw new UserError(refusal);
    }

    private static String runChild(List<String> probeArgs, String plan, String during, String advice) {
        Path dir = null;
        try {
            dir = Files.createTempDirectory("edgetorch-onednn");
            List<String> args = new ArrayList<>();
            String backend = Backends.loadedName();
            if (backend != null) args.addAll(List.of("--backend", backend));
            args.add(COMMAND);
            for (String a : probeArgs) args.add(a.equals(PLAN) ? dir.resolve(PLAN).toString() : a);
            Integer n = threads();
            if (n != null) args.addAll(List.of("--threads", n.toString()));
            if (plan != null) Files.writeString(dir.resolve(PLAN), plan, StandardCharsets.UTF_8);
            return refusal(ChildJvm.run(dir, childMain, args), during, problem, advice);
        } catch (IOException e) {
            return "LibTorch's oneDNN may abort the process " + during + " on this machine (" + problem
                    + "), and edgetorch could not try it in a child process first: " + e.getMessage() + "; " + advice;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new UserError("interrupted " + during);
        } finally {
            ChildJvm.deleteAll(dir);
        }
    }

    /**
     * The refusal for a child that ended so, or null where the caller should go on: only a crash (a JVM crash report,
     * or a signal) refuses. Pure, for tests.
     */
    static String refusal(ChildJvm.Exit exit, String during, String problem, String advice) {
        if (!exit.crashed()) return null;
        String signal = signal(exit);
        String frame = frame(exit.crashReport());
        String who = frame != null && !frame.contains("dnnl") ? "LibTorch" : "LibTorch's oneDNN";
        return who + " aborted (" + signal + (frame == null ? "" : " in " + frame) + ") " + during + ": "
                + (problem == null ? "" : problem + "; ") + advice;
    }

    /**
     * The signal that ended the child: the one the JVM's crash report names (a JVM that catches SIGFPE in native code
     * reports it, then aborts: exit 134), else the one of the exit code.
     */
    static String signal(ChildJvm.Exit exit) {
        for (String l : exit.crashReport()) {
            String t = l.replaceFirst("^#\\s*", "");
            if (t.matches("SIG[A-Z]+ \\(0x[0-9a-f]+\\).*")) return t.substring(0, t.indexOf(' '));
        }
        return switch (exit.code() - 128) {
            case 4 -> "SIGILL";
            case 6 -> "SIGABRT";
            case 7 -> "SIGBUS";
            case 8 -> "SIGFPE";
            case 9 -> "SIGKILL";
            case 11 -> "SIGSEGV";
            case 15 -> "SIGTERM";
            default -> "signal " + (exit.code() - 128);
        };
    }

    /** The native function the crash report names ("# Problematic frame:"), shortened, or null. */
    static String frame(List<String> report) {
        for (int i = 0; i + 1 < report.size(); i++) {
            if (!report.get(i).startsWith("# Problematic frame:")) continue;
            String f = report.get(i + 1).replaceFirst("^#\\s*", "");
            int lib = f.indexOf("]");
            String symbol = lib >= 0 ? f.substring(lib + 1).strip() : f.strip();
            if (symbol.isEmpty()) return null;
            int paren = symbol.indexOf('(');
            if (paren > 0) symbol = symbol.substring(0, paren);
            symbol = symbol.replaceFirst("\\+0x[0-9a-f]+$", "");
            if (symbol.length() > 80) symbol = "…" + symbol.substring(symbol.length() - 79);
            return symbol;
        }
        return null;
    }

    private static Integer threads() {
        return Backends.requestedThreads();
    }

    private static String loadKey(Path file, String engine) {
        Path abs = file.toAbsolutePath().normalize();
        long size = -1, modified = -1;
        try {
            size = Files.size(abs);
            modified = Files.getLastModifiedTime(abs).toMillis();
        } catch (IOException e) {
            // the loader reports a missing file itself
        }
        return "load|" + engine.toLowerCase(Locale.ROOT) + "|" + threads() + "|" + abs + "|" + size + "|" + modified;
    }

    /** Forgets the CPU reading and the verdicts (tests). */
    static synchronized void reset() {
        problemKnown = false;
        problem = null;
        verdicts.clear();
    }
}
