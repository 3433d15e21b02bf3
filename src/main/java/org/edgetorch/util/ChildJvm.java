package org.edgetorch.util;

import java.io.IOException;
import java.lang.management.ManagementFactory;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * The one way edgetorch runs part of its work in a child JVM: this program again (the same java binary, class path,
 * heap/GC options and system properties) with a hidden subcommand, its stdout and stderr in files of a directory the
 * caller owns. Used for resource runs ({@code bench/ResourceRuns}: one model alone in a process) and for native calls
 * that may abort the process ({@code backend/OneDnnGuard}).
 *
 * <p>A child that crashes writes its JVM crash report into that directory ({@code -XX:ErrorFile}) rather than into the
 * working directory, and writes no core file, so deleting the directory leaves nothing behind.
 */
public final class ChildJvm {
    /** The CLI's entry point. */
    public static final String MAIN = "org.edgetorch.cli.Main";
    /** The JVM's crash report, in the caller's directory. */
    public static final String CRASH_REPORT = "hs_err.log";

    private ChildJvm() {
    }

    /**
     * How a child ended: its exit code, what it printed, and its JVM crash report (empty where it wrote none). A JVM
     * that catches a fatal signal in native code (SIGFPE, SIGSEGV) writes its crash report and, with core files off as
     * here, exits with 1 (else it aborts: 134); a signal it does not catch ends it with 128 + the signal's number.
     */
    public record Exit(int code, List<String> stdout, List<String> stderr, List<String> crashReport, long millis) {
        /** Whether a signal ended it (a native crash, or a kill). */
        public boolean bySignal() {
            return code > 128;
        }

        /** Whether it crashed: it wrote a JVM crash report, or a signal ended it. */
        public boolean crashed() {
            return bySignal() || !crashReport.isEmpty();
        }

        /** The last non-blank stderr line without the CLI's "edgetorch: " prefix, or "no message". */
        public String lastErrorLine() {
            List<String> err = stderr.stream().filter(l -> !l.isBlank()).toList();
            return err.isEmpty() ? "no message" : err.get(err.size() - 1).replaceFirst("^edgetorch: ", "");
        }
    }

    /** {@code java [JVM options] -cp <this class path> MAIN args...}, its crash report going to {@code dir}. */
    public static List<String> command(Path dir, String mainClass, List<String> args) {
        List<String> cmd = new ArrayList<>();
        cmd.add(Path.of(System.getProperty("java.home"), "bin", "java").toString());
        for (String a : ManagementFactory.getRuntimeMXBean().getInputArguments()) {
            // heap and GC settings and system properties carry over; agents, debuggers and crash-file settings do not
            if (a.startsWith("-XX:ErrorFile") || a.contains("CreateCoredumpOnCrash")) continue;
            if (a.startsWith("-Xm") || a.startsWith("-Xss") || a.startsWith("-XX:") || a.startsWith("-D")) cmd.add(a);
        }
        if (dir != null) {
            cmd.add("-XX:ErrorFile=" + dir.toAbsolutePath().resolve(CRASH_REPORT));
            cmd.add("-XX:-CreateCoredumpOnCrash");
        }
        cmd.add("-cp");
        cmd.add(System.getProperty("java.class.path"));
        cmd.add(mainClass);
        cmd.addAll(args);
        return cmd;
    }

    /** Runs {@code MAIN args} and waits for it; its output files stay in {@code dir} until the caller deletes it. */
    public static Exit run(Path dir, List<String> args) throws IOException, InterruptedException {
        return run(dir, MAIN, args);
    }

    public static Exit run(Path dir, String mainClass, List<String> args) throws IOException, InterruptedException {
        Path stdout = dir.resolve("child.out");
        Path stderr = dir.resolve("child.err");
        long t0 = System.nanoTime();
        Process p = new ProcessBuilder(command(dir, mainClass, args)).redirectOutput(stdout.toFile()).redirectError(stderr.toFile()).start();
        try {
            p.waitFor();
        } catch (InterruptedException e) {
            p.destroyForcibly();
            throw e;
        }
        long millis = (System.nanoTime() - t0) / 1_000_000;
        Path report = dir.resolve(CRASH_REPORT);
        return new Exit(p.exitValue(), lines(stdout, StandardCharsets.UTF_8), lines(stderr, StandardCharsets.UTF_8),
                lines(report, StandardCharsets.ISO_8859_1), millis);
    }

    private static List<String> lines(Path f, java.nio.charset.Charset cs) throws IOException {
        if (!Files.exists(f)) return List.of();
        // decoded leniently: a crash report may hold bytes of any encoding
        String s = new String(Files.readAllBytes(f), cs);
        return s.isEmpty() ? List.of() : List.of(s.split("\r?\n"));
    }

    /** Deletes a directory of child files (flat), quietly: a temporary directory left behind is harmless. */
    public static void deleteAll(Path dir) {
        if (dir == null) return;
        try (var files = Files.list(dir)) {
            for (Path f : files.toList()) Files.deleteIfExists(f);
            Files.deleteIfExists(dir);
        } catch (IOException e) {
            // nothing more to do
        }
    }
}
