package org.edgetorch.util;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.io.OutputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.*;

/** The one output writer: device files, temporary names, full disks, interruptions, stale temporaries. */
class AtomicFilesTest {
    @TempDir
    Path dir;

    @Test
    void refusesToReplaceACharacterDevice() {
        Path devNull = Path.of("/dev/null");
        UserError e = assertThrows(UserError.class, () -> AtomicFiles.writeString(devNull, "x"));
        assertEquals("/dev/null: exists and is a character device, not a regular file; refusing to replace it", e.getMessage());
        assertEquals("a character device", AtomicFiles.kind(devNull), "/dev/null must still be a device");
    }

    @Test
    void refusesToReplaceAFifoOrAFolder() throws Exception {
        Path fifo = dir.resolve("pipe");
        assertEquals(0, new ProcessBuilder("mkfifo", fifo.toString()).start().waitFor());
        UserError e = assertThrows(UserError.class, () -> AtomicFiles.writeString(fifo, "x"));
        assertTrue(e.getMessage().startsWith(fifo + ": exists and is a FIFO"), e.getMessage());
        Path folder = Files.createDirectory(dir.resolve("folder"));
        UserError f = assertThrows(UserError.class, () -> AtomicFiles.writeString(folder, "x"));
        assertTrue(f.getMessage().contains("is a directory"), f.getMessage());
        assertEquals(List.of("folder", "pipe"), names(dir));
    }

    @Test
    void aLegal250ByteNameIsWritten() throws IOException {
        Path target = dir.resolve("m".repeat(247) + ".pt");
        assertEquals(250, target.getFileName().toString().length());
        AtomicFiles.write(target, tmp -> Files.writeString(tmp, "model"));
        assertEquals("model", Files.readString(target));
        assertEquals(List.of(target.getFileName().toString()), names(dir));
    }

    @Test
    void aWriteThatFailsMidwayKeepsTheOldFileAndLeavesNothing() throws IOException {
        Path target = dir.resolve("report.json");
        Files.writeString(target, "old");
        UserError e = assertThrows(UserError.class, () -> AtomicFiles.writeStream(target, out -> {
            OutputStream limited = failingAfter(out, 1000);
            for (int i = 0; i < 100; i++) limited.write(new byte[100]);
        }));
        assertEquals("cannot write " + target + ": No space left on device", e.getMessage());
        assertEquals("old", Files.readString(target));
        assertEquals(List.of("report.json"), names(dir));
    }

    /**
     * A native writer writes a file by name; it gets a named pipe whose bytes Java copies. When the copy
     * fails (full disk), the writer still sees every write succeed (LibTorch would end the process on a
     * failed one), and the failure is one UserError after it returned; the old file is kept.
     */
    @Test
    void aNativeWriterNeverSeesAFullDiskItIsOneErrorAfterwards() throws IOException {
        Path target = dir.resolve("m.pt");
        Files.writeString(target, "old");
        long[] wrote = {0};
        String[] kind = {null};
        UserError e;
        try (var full = AtomicFiles.simulateFullDiskAfter(100_000)) {
            e = assertThrows(UserError.class, () -> AtomicFiles.writeNative(target, 0, file -> {
                kind[0] = AtomicFiles.kind(file);
                assertEquals("m.pt", file.getFileName().toString(), "named like the target");
                try (OutputStream out = new java.io.FileOutputStream(file.toFile())) {
                    for (int i = 0; i < 100; i++) {
                        out.write(new byte[10_000]); // would throw if the native side saw the failure
                        wrote[0] += 10_000;
                    }
                }
            }, null));
        }
        assertEquals("a FIFO (named pipe)", kind[0]);
        assertEquals(1_000_000, wrote[0], "every native write succeeded");
        assertEquals("cannot write " + target + ": No space left on device", e.getMessage());
        assertEquals("old", Files.readString(target));
        assertEquals(List.of("m.pt"), names(dir));
    }

    @Test
    void aNativeWriterThroughThePipeWritesTheWholeFileAndTheCheckSeesIt() throws IOException {
        Path target = dir.resolve("m.ptl");
        byte[] content = new byte[3_000_000];
        new java.util.Random(1).nextBytes(content);
        long[] checked = {0};
        AtomicFiles.writeNative(target, 0, file -> {
            try (OutputStream out = new java.io.FileOutputStream(file.toFile())) {
                out.write(content);
            }
        }, tmp -> checked[0] = Files.size(tmp));
        assertEquals(content.length, checked[0]);
        assertArrayEquals(content, Files.readAllBytes(target));
        assertEquals(List.of("m.ptl"), names(dir));
    }

    /** A native writer that fails before it opens the file, or writes nothing, does not hang the copy. */
    @Test
    void aNativeWriterThatFailsOrWritesNothingLeavesNothing() {
        Path target = dir.resolve("m.pt");
        assertTimeoutPreemptively(java.time.Duration.ofSeconds(30), () -> {
            UserError e = assertThrows(UserError.class, () -> AtomicFiles.writeNative(target, 0, file -> {
                throw new UserError("saving failed: bad module");
            }, null));
            assertEquals("saving failed: bad module", e.getMessage());
            UserError none = assertThrows(UserError.class, () -> AtomicFiles.writeNative(target, 0, file -> { }, null));
            assertEquals("cannot write " + target + ": the native writer wrote nothing", none.getMessage());
        });
        assertFalse(Files.exists(target));
    }

    /** Where no pipe can be made, the native writer writes the file itself after a free-space check. */
    @Test
    void withoutPipesANativeWriterIsRefusedWhenTheDiskHasNoRoomBeforeItRuns() throws IOException {
        Path target = dir.resolve("m.pt");
        boolean[] ran = {false};
        AtomicFiles.pipesDisabled = true;
        try {
            UserError e = assertThrows(UserError.class, () -> AtomicFiles.writeNative(target, Long.MAX_VALUE / 4, tmp -> ran[0] = true, null));
            assertTrue(e.getMessage().startsWith("cannot write " + target + ": not enough free space in "), e.getMessage());
            assertFalse(ran[0]);
            assertFalse(Files.exists(target));
            AtomicFiles.writeNative(target, 1000, tmp -> Files.writeString(tmp, "model"), null);
            assertEquals("model", Files.readString(target));
        } finally {
            AtomicFiles.pipesDisabled = false;
        }
    }

    @Test
    void aBatchAppearsWhollyOrNotAtAll() throws IOException {
        Path a = dir.resolve("a.f32"), b = dir.resolve("b.f32");
        try (var batch = AtomicFiles.Batch.in(dir)) {
            batch.writeString(a, "A");
            assertThrows(UserError.class, () -> batch.write(b, out -> failingAfter(out, 0).write(1)));
        }
        assertEquals(List.of(), names(dir));
        try (var batch = AtomicFiles.Batch.in(dir)) {
            batch.writeString(a, "A");
            batch.writeString(b, "B");
            assertEquals(List.of(), names(dir).stream().filter(n -> !n.startsWith(".")).toList());
            batch.commit();
        }
        assertEquals(List.of("a.f32", "b.f32"), names(dir));
    }

    @Test
    void staleTemporariesOfDeadProcessesAreSweptLiveOnesKept() throws IOException {
        Path dead = Files.createDirectory(dir.resolve(AtomicFiles.TEMP_PREFIX + "2147483646-1"));
        Files.writeString(dead.resolve("m.pt"), "half");
        long livePid = ProcessHandle.current().parent().orElseThrow().pid();
        Path live = Files.createDirectory(dir.resolve(AtomicFiles.TEMP_PREFIX + livePid + "-1"));
        AtomicFiles.writeString(dir.resolve("out.txt"), "ok");
        assertEquals(List.of(live.getFileName().toString(), "out.txt"), names(dir));
    }

    /** SIGINT while a write is under way: the shutdown hook removes the temporary folder; no target. */
    @Test
    void sigintDuringAWriteLeavesNothing() throws Exception {
        Path target = dir.resolve("m.pt");
        Process p = new ProcessBuilder(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                "-cp", System.getProperty("java.class.path"), SlowWriter.class.getName(), target.toString())
                .redirectErrorStream(true).start();
        String first = new String(p.getInputStream().readNBytes(8)); // "writing\n" once the temporary exists
        assertEquals("writing\n", first);
        assertEquals(1, names(dir).size(), "the temporary folder exists while writing");
        assertEquals(0, new ProcessBuilder("kill", "-INT", Long.toString(p.pid())).start().waitFor());
        assertTrue(p.waitFor(30, TimeUnit.SECONDS));
        assertEquals(List.of(), names(dir));
    }

    /** Three processes adding a line each to one file at once: the lock serializes them; none is lost. */
    @Test
    void concurrentUpdatesAreSerializedNotLost() throws Exception {
        Path target = dir.resolve("io.json");
        List<Process> ps = new java.util.ArrayList<>();
        for (String who : List.of("a", "b", "c")) {
            ps.add(new ProcessBuilder(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                    "-cp", System.getProperty("java.class.path"), Appender.class.getName(), target.toString(), who)
                    .redirectErrorStream(true).start());
        }
        for (Process p : ps) {
            assertTrue(p.waitFor(60, TimeUnit.SECONDS));
            assertEquals(0, p.exitValue(), new String(p.getInputStream().readAllBytes()));
        }
        assertEquals(List.of("a", "b", "c"), Files.readAllLines(target).stream().sorted().toList());
        assertEquals(List.of("io.json"), names(dir));
    }

    /** Child process for the concurrency test: read, wait (so the runs overlap), add a line, write. */
    public static final class Appender {
        public static void main(String[] args) {
            Path target = Path.of(args[0]);
            AtomicFiles.update(target, exists -> {
                try {
                    String old = exists ? Files.readString(target) : "";
                    Thread.sleep(500);
                    AtomicFiles.writeString(target, old + args[1] + "\n");
                    return null;
                } catch (IOException | InterruptedException e) {
                    throw new AssertionError(e);
                }
            });
        }
    }

    /** Child process for the SIGINT test: writes half a file, then waits to be interrupted. */
    public static final class SlowWriter {
        public static void main(String[] args) {
            AtomicFiles.write(Path.of(args[0]), tmp -> {
                Files.writeString(tmp, "half a model");
                System.out.print("writing\n");
                System.out.flush();
                try {
                    Thread.sleep(60_000);
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                }
            });
        }
    }

    static OutputStream failingAfter(OutputStream out, long limit) {
        return new OutputStream() {
            long written;

            @Override
            public void write(int b) throws IOException {
                if (++written > limit) throw new IOException("No space left on device");
                out.write(b);
            }
        };
    }

    static List<String> names(Path d) throws IOException {
        try (var s = Files.list(d)) {
            return s.map(p -> p.getFileName().toString()).sorted().toList();
        }
    }
}
