package org.edgetorch.cli;

import org.edgetorch.export.onnx.proto.Onnx.ModelProto;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Enumeration;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import java.util.zip.ZipEntry;
import java.util.zip.ZipFile;

import static org.junit.jupiter.api.Assertions.*;

/**
 * A {@code study --quick} killed mid-run, in a child JVM: after SIGKILL no target path is partial (the
 * report folder is absent, every model file in --models is complete; only temporaries remain), and the next
 * run writing there sweeps those; after SIGINT nothing is left but complete model files.
 */
class StudyInterruptTest {
    @TempDir
    Path dir;

    @Test
    void sigkillLeavesOnlyTemporariesWhichTheNextRunSweepsAndSigintLeavesNothing() throws Exception {
        Path report = dir.resolve("report"), models = dir.resolve("models");

        // SIGKILL while a model file is being written (the report's staging folder exists by then)
        Process a = study(report, models, dir.resolve("a.err"));
        waitFor(a, () -> !temporaries(models).isEmpty(), "a model write");
        long pidA = a.pid();
        a.destroyForcibly(); // SIGKILL
        assertTrue(a.waitFor(30, TimeUnit.SECONDS));
        assertFalse(Files.exists(report), "no report folder after SIGKILL");
        List<Path> stale = new ArrayList<>(temporaries(dir));
        stale.addAll(temporaries(models));
        assertFalse(stale.isEmpty(), "the killed run's staging folder remains");
        for (Path t : stale) assertTrue(t.getFileName().toString().startsWith(".edgetorch-" + pidA + "-"), t.toString());
        for (Path f : files(models)) assertComplete(f);

        // SIGINT once the next run has written into both folders: that swept the killed run's temporaries
        long startB = System.currentTimeMillis();
        Process b = study(report, models, dir.resolve("b.err"));
        String ownB = ".edgetorch-" + b.pid() + "-";
        waitFor(b, () -> temporaries(dir).stream().anyMatch(t -> t.getFileName().toString().startsWith(ownB))
                && (temporaries(models).stream().anyMatch(t -> t.getFileName().toString().startsWith(ownB))
                || writtenSince(models, startB)), "its staging folder and a model write");
        for (Path t : stale) assertFalse(Files.exists(t), "swept: " + t);
        new ProcessBuilder("kill", "-INT", Long.toString(b.pid())).start().waitFor();
        assertTrue(b.waitFor(60, TimeUnit.SECONDS), "SIGINT ends the study");
        assertNotEquals(0, b.exitValue());
        assertFalse(Files.exists(report), "no report folder after SIGINT");
        assertEquals(List.of(), temporaries(dir), "the staging folder is gone");
        assertEquals(List.of(), temporaries(models), "the model temporaries are gone");
        for (Path f : files(models)) assertComplete(f);
    }

    private Process study(Path report, Path models, Path err) throws IOException {
        return new ProcessBuilder(Path.of(System.getProperty("java.home"), "bin", "java").toString(), "-cp",
                System.getProperty("java.class.path"), Main.class.getName(), "study", "--quick", "--resources", "off",
                "--threads", "1", "--out", report.toString(), "--models", models.toString())
                .directory(dir.toFile())
                .redirectOutput(ProcessBuilder.Redirect.DISCARD).redirectError(err.toFile()).start();
    }

    private interface Condition {
        boolean holds() throws IOException;
    }

    /** Polls until the condition holds; fails if the process ends first or it takes more than 120 s. */
    private static void waitFor(Process p, Condition c, String what) throws Exception {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(120);
        while (!c.holds()) {
            assertTrue(p.isAlive(), "the study ended before " + what);
            assertTrue(System.nanoTime() < deadline, "no " + what + " within 120 s");
            Thread.sleep(10);
        }
    }

    /** Whether a model file was renamed into place after {@code millis} (a write of the running study). */
    private static boolean writtenSince(Path models, long millis) throws IOException {
        for (Path f : files(models)) {
            try {
                if (Files.getLastModifiedTime(f).toMillis() > millis) return true;
            } catch (java.nio.file.NoSuchFileException e) {
                // replaced just now
            }
        }
        return false;
    }

    /** Temporaries of the one output writer: .edgetorch-PID-N folders. */
    static List<Path> temporaries(Path d) throws IOException {
        if (!Files.isDirectory(d)) return List.of();
        try (Stream<Path> s = Files.list(d)) {
            return s.filter(p -> p.getFileName().toString().startsWith(".edgetorch-")).sorted().toList();
        }
    }

    static List<Path> files(Path d) throws IOException {
        if (!Files.isDirectory(d)) return List.of();
        try (Stream<Path> s = Files.list(d)) {
            return s.filter(p -> !p.getFileName().toString().startsWith(".")).sorted().toList();
        }
    }

    /** A model file that reads to its end: every zip entry with its CRC, the whole ONNX protobuf, TFLite's identifier and size. */
    static void assertComplete(Path f) throws IOException {
        String name = f.getFileName().toString();
        assertTrue(Files.isRegularFile(f), f.toString());
        if (name.endsWith(".pt") || name.endsWith(".ptl")) {
            try (ZipFile z = new ZipFile(f.toFile())) {
                for (Enumeration<? extends ZipEntry> e = z.entries(); e.hasMoreElements(); ) {
                    try (InputStream in = z.getInputStream(e.nextElement())) {
                        in.transferTo(java.io.OutputStream.nullOutputStream()); // a wrong CRC throws
                    }
                }
            }
        } else if (name.endsWith(".onnx")) {
            assertTrue(ModelProto.parseFrom(Files.readAllBytes(f)).getGraph().getNodeCount() > 0, f.toString());
        } else if (name.endsWith(".tflite")) {
            byte[] b = Files.readAllBytes(f);
            assertTrue(b.length > 1_000_000 && new String(b, 4, 4).equals("TFL3"), f.toString());
        }
    }
}
