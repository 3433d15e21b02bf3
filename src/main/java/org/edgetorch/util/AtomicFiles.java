package org.edgetorch.util;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.channels.FileChannel;
import java.nio.file.AtomicMoveNotSupportedException;
import java.nio.file.DirectoryStream;
import java.nio.file.FileVisitResult;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.SimpleFileVisitor;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.BasicFileAttributes;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicLong;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The one output writer: every file edgetorch writes goes through here.
 * <ul>
 * <li>Only regular files are replaced: an existing device, FIFO, socket or folder at the target is refused.
 * <li>Written into a private temporary folder beside the target ({@code .edgetorch-PID-N}, short whatever
 *     the target's name), flushed to disk, then renamed over the target: the target is either the old file
 *     or the complete new one, even after SIGKILL or a power cut.
 * <li>Temporary folders are deleted on failure and, through one shutdown hook, on SIGINT/SIGTERM; those
 *     of a killed run (their PID is gone) are swept by the next write into the same folder.
 * <li>A full disk is a {@link UserError}, for native writers too: LibTorch writes into a named pipe whose
 *     bytes Java copies ({@link #writeNative}), so its own writes never fail (a failed one can end the process).
 * <li>{@link Batch} stages several files and renames them into place only when all are written.
 * </ul>
 */
public final class AtomicFiles {
    private AtomicFiles() {
    }

    /** Writes a file through a callback that receives the temporary path to write to (charts, copies). */
    public interface Writer {
        void write(Path tmp) throws IOException;
    }

    /** Writes a file's content to a stream (Java writers: reports, ONNX/TFLite bytes, JSON). */
    public interface StreamWriter {
        void write(OutputStream out) throws IOException;
    }

    static final String TEMP_PREFIX = ".edgetorch-";
    private static final Pattern TEMP_NAME = Pattern.compile(Pattern.quote(TEMP_PREFIX) + "(\\d+)-\\d+");
    private static final long PID = ProcessHandle.current().pid();
    private static final AtomicLong COUNTER = new AtomicLong();
    /** Slack a native writer needs beyond its declared size (zip directory, code, debug records). */
    private static final long NATIVE_SLACK_BYTES = 8L << 20;
    private static final Set<Path> LIVE = ConcurrentHashMap.newKeySet();

    static {
        Runtime.getRuntime().addShutdownHook(new Thread(() -> {
            for (Path p : LIVE) deleteTree(p);
        }, "edgetorch-temp-cleanup"));
    }

    public static void write(Path target, Writer writer) {
        Path dir = prepare(target);
        Path tmpDir = createTempDir(dir);
        try {
            Path tmp = tmpDir.resolve(target.getFileName().toString());
            writer.write(tmp);
            if (!Files.isRegularFile(tmp)) throw new IOException("the writer produced no file");
            commit(tmp, target);
        } catch (IOException e) {
            throw new UserError("cannot write " + target + ": " + reason(e), e);
        } finally {
            release(tmpDir);
        }
    }

    /**
     * Writes a file that native code writes by name (LibTorch's {@code save}, {@code _save_for_mobile}).
     * LibTorch cannot fail a write cleanly: when one fails midway, its stream writer's destructor throws again
     * while the first exception unwinds and the process ends ({@code terminate called after throwing an
     * instance of 'c10::Error'}); and the presets' {@code save(std::ostream&)} is of no use, as Java cannot
     * make a {@code std::ostream}. So the native writer writes into a named pipe, named like the target
     * (LibTorch names the archive's top folder after the file), and a Java thread copies what comes out of
     * it into the temporary file. When that copy fails (a full disk), the failure is kept and the pipe
     * drained to its end: the native writer never sees a failed write, and the failure is then thrown here as
     * one {@link UserError}, with the old target kept.
     *
     * <p>{@code check} (may be null) reads the complete temporary file before it is renamed into place.
     * Where no named pipe can be made (off Linux, without {@code mkfifo}, or on a file system without FIFOs)
     * the native writer writes the temporary file itself, after a check that the file system has
     * {@code expectedBytes} (0: unknown) plus a margin free.
     */
    public static void writeNative(Path target, long expectedBytes, Writer nativeWriter, Writer check) {
        Path dir = prepare(target);
        Path tmpDir = createTempDir(dir);
        try {
            String name = target.getFileName().toString();
            Path tmp = tmpDir.resolve(name);
            Path pipe = Files.createDirectory(tmpDir.resolve("pipe")).resolve(name);
            FileChannel keeper = makePipe(pipe) ? openKeeper(pipe) : null;
            if (keeper != null) {
                copyThroughPipe(pipe, keeper, tmp, nativeWriter);
            } else {
                if (expectedBytes > 0) requireSpace(dir, target, expectedBytes + NATIVE_SLACK_BYTES);
                nativeWriter.write(tmp);
            }
            if (!Files.isRegularFile(tmp) || Files.size(tmp) == 0) throw new IOException("the native writer wrote nothing");
            if (check != null) check.write(tmp);
            commit(tmp, target);
        } catch (IOException e) {
            throw new UserError("cannot write " + target + ": " + reason(e), e);
        } finally {
            release(tmpDir);
        }
    }

    /**
     * Makes a named pipe with the mkfifo command (Java has no call for it); false where that is impossible,
     * and off Linux, whose read-write open of a FIFO (the keeper below) is defined not to block.
     */
    private static boolean makePipe(Path pipe) {
        if (pipesDisabled || !System.getProperty("os.name", "").startsWith("Linux")) return false;
        try {
            Process p = new ProcessBuilder("mkfifo", "-m", "600", pipe.toString())
                    .redirectErrorStream(true).redirectOutput(ProcessBuilder.Redirect.DISCARD).start();
            return p.waitFor() == 0 && "a FIFO (named pipe)".equals(kind(pipe));
        } catch (IOException e) {
            return false;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return false;
        }
    }

    /**
     * A read-write handle on the pipe: it opens without waiting for a peer (Linux), lets the reader open at
     * once, and keeps the pipe from reaching its end before the native writer opened it (or when it fails
     * before it does). Closing it once the native writer has returned ends the copy. Null if it cannot open.
     */
    private static FileChannel openKeeper(Path pipe) {
        try {
            return FileChannel.open(pipe, StandardOpenOption.READ, StandardOpenOption.WRITE);
        } catch (IOException e) {
            return null;
        }
    }

    /**
     * Runs the native writer on {@code pipe} while a thread copies the pipe into {@code tmp}; returns when
     * both are done. The copy's failure (kept while the pipe is drained) is thrown after the native writer
     * has returned.
     */
    private static void copyThroughPipe(Path pipe, FileChannel keeper, Path tmp, Writer nativeWriter) throws IOException {
        IOException[] failure = {null};
        Thread copier;
        try (keeper) {
            InputStream in = Files.newInputStream(pipe);
            copier = new Thread(() -> failure[0] = drain(in, tmp), "edgetorch-native-copy");
            copier.setDaemon(true); // never holds the JVM back on Ctrl-C
            copier.start();
            try {
                nativeWriter.write(pipe);
            } finally {
                keeper.close();
                joinUninterruptibly(copier);
            }
        }
        if (failure[0] != null) throw failure[0];
    }

    /** Copies the pipe to {@code tmp}; after a failed write, reads on to the end. Returns the failure, if any. */
    private static IOException drain(InputStream in, Path tmp) {
        IOException failure = null;
        OutputStream out = null;
        try (in) {
            try {
                out = limited(Files.newOutputStream(tmp, StandardOpenOption.CREATE_NEW, StandardOpenOption.WRITE));
            } catch (IOException e) {
                failure = e;
            }
            byte[] buf = new byte[1 << 16];
            for (int n; (n = in.read(buf)) >= 0; ) {
                if (out == null) continue; // failed: drain, so that the native writer's writes all succeed
                try {
                    out.write(buf, 0, n);
                } catch (IOException e) {
                    failure = e;
                    closeQuietly(out);
                    out = null;
                }
            }
            if (out != null) out.close();
        } catch (IOException e) {
            closeQuietly(out);
            if (failure == null) failure = e;
        }
        return failure;
    }

    private static void closeQuietly(OutputStream out) {
        if (out == null) return;
        try {
            out.close();
        } catch (IOException ignored) {
            // the first failure is the one reported
        }
    }

    private static void joinUninterruptibly(Thread t) {
        boolean interrupted = false;
        while (true) {
            try {
                t.join();
                break;
            } catch (InterruptedException e) {
                interrupted = true;
            }
        }
        if (interrupted) Thread.currentThread().interrupt();
    }

    /** For tests: native writers write the temporary file directly, as where no pipe can be made. */
    static volatile boolean pipesDisabled;

    private static volatile long fullDiskAfter = -1;

    /** A simulated full disk, undone by {@link #close()}. */
    public interface SimulatedFullDisk extends AutoCloseable {
        @Override
        void close();
    }

    /**
     * For tests: until closed, every file this class writes through a stream (Java writers, batches, the
     * copy of a native writer's pipe) fails with "No space left on device" after {@code bytes} bytes.
     */
    public static SimulatedFullDisk simulateFullDiskAfter(long bytes) {
        fullDiskAfter = bytes;
        return () -> fullDiskAfter = -1;
    }

    private static OutputStream limited(OutputStream out) {
        long limit = fullDiskAfter;
        if (limit < 0) return out;
        return new java.io.FilterOutputStream(out) {
            long written;

            @Override
            public void write(int b) throws IOException {
                write(new byte[]{(byte) b}, 0, 1);
            }

            @Override
            public void write(byte[] b, int off, int len) throws IOException {
                if (written + len > limit) throw new IOException("No space left on device");
                written += len;
                out.write(b, off, len);
            }
        };
    }

    public static void writeStream(Path target, StreamWriter writer) {
        write(target, tmp -> {
            try (OutputStream out = limited(Files.newOutputStream(tmp, StandardOpenOption.CREATE_NEW, StandardOpenOption.WRITE))) {
                writer.write(out);
            }
        });
    }

    public static void writeBytes(Path target, byte[] bytes) {
        writeStream(target, out -> out.write(bytes));
    }

    public static void writeString(Path target, String text) {
        writeBytes(target, text.getBytes(java.nio.charset.StandardCharsets.UTF_8));
    }

    /**
     * Several files that appear together or not at all: each is written into one temporary folder, and only
     * when every one succeeded are they renamed into place. Close without {@link #commit()} to discard.
     */
    public static final class Batch implements AutoCloseable {
        private final Path tmpDir;
        private final Map<Path, Path> staged = new LinkedHashMap<>();

        private Batch(Path tmpDir) {
            this.tmpDir = tmpDir;
        }

        /** A batch for files in {@code dir}. */
        public static Batch in(Path dir) {
            return new Batch(createTempDir(prepareDir(dir.toAbsolutePath())));
        }

        public void write(Path target, StreamWriter writer) {
            Path name = target.getFileName();
            Path tmp = tmpDir.resolve(staged.size() + "-" + (name.toString().length() > 200 ? "f" : name.toString()));
            prepare(target);
            try (OutputStream out = limited(Files.newOutputStream(tmp, StandardOpenOption.CREATE_NEW, StandardOpenOption.WRITE))) {
                writer.write(out);
            } catch (IOException e) {
                throw new UserError("cannot write " + target + ": " + reason(e), e);
            }
            staged.put(tmp, target);
        }

        public void writeBytes(Path target, byte[] bytes) {
            write(target, out -> out.write(bytes));
        }

        public void writeString(Path target, String text) {
            writeBytes(target, text.getBytes(java.nio.charset.StandardCharsets.UTF_8));
        }

        /** Flushes every staged file to disk, then renames each into place. */
        public void commit() {
            try {
                for (Path tmp : staged.keySet()) force(tmp);
                for (var e : staged.entrySet()) AtomicFiles.commit(e.getKey(), e.getValue());
            } catch (IOException e) {
                throw new UserError("cannot write " + staged.values() + ": " + reason(e), e);
            }
            staged.clear();
        }

        @Override
        public void close() {
            release(tmpDir);
        }
    }

    /**
     * Runs a read-modify-write of {@code target} while holding an exclusive lock on it, so that concurrent
     * updates (two runs adding to one io file) are serialized instead of one silently losing the other's
     * change. The update receives whether the target exists, and writes through this class.
     *
     * <p>The lock is a file created exclusively beside the target ({@code .edgetorch-lock-NAME}, holding
     * the owner's PID) and deleted afterwards, on SIGINT too. POSIX record locks would not do: the JVM drops
     * them as soon as the locked file is opened and closed again, which reading it does. A lock whose owner
     * no longer runs (SIGKILL) is taken over.
     */
    public static <T> T update(Path target, java.util.function.Function<Boolean, T> update) {
        Path dir = prepare(target);
        String name = target.getFileName().toString();
        Path lock = dir.resolve(LOCK_PREFIX + (name.length() <= 200 ? name : Integer.toHexString(name.hashCode())));
        long deadline = System.nanoTime() + LOCK_WAIT_NANOS;
        while (true) {
            try {
                LIVE.add(lock);
                Files.writeString(lock, Long.toString(PID), StandardOpenOption.CREATE_NEW, StandardOpenOption.WRITE);
                break;
            } catch (java.nio.file.FileAlreadyExistsException e) {
                LIVE.remove(lock);
                long owner = lockOwner(lock);
                boolean dead = owner > 0 && owner != PID && !ProcessHandle.of(owner).map(ProcessHandle::isAlive).orElse(false);
                boolean blankAndOld = owner == 0 && olderThanSeconds(lock, 10); // killed before writing its PID
                if (dead || blankAndOld) {
                    try {
                        Files.deleteIfExists(lock); // left by a killed run
                    } catch (IOException ignored) {
                        // retried below
                    }
                    continue;
                }
                if (System.nanoTime() > deadline) {
                    throw new UserError("cannot update " + target + ": another edgetorch process (PID " + owner
                            + ") has held " + lock.getFileName() + " for " + LOCK_WAIT_NANOS / 1_000_000_000L + " s");
                }
                try {
                    Thread.sleep(50);
                } catch (InterruptedException ie) {
                    Thread.currentThread().interrupt();
                    throw new UserError("interrupted while waiting to update " + target);
                }
            } catch (IOException e) {
                LIVE.remove(lock);
                throw new UserError("cannot lock " + target + " for an update: " + reason(e), e);
            }
        }
        try {
            return update.apply(Files.exists(target));
        } finally {
            release(lock);
        }
    }

    static final String LOCK_PREFIX = ".edgetorch-lock-";
    private static final long LOCK_WAIT_NANOS = 120_000_000_000L;

    private static boolean olderThanSeconds(Path p, long seconds) {
        try {
            return Files.getLastModifiedTime(p).toMillis() < System.currentTimeMillis() - seconds * 1000;
        } catch (IOException e) {
            return false;
        }
    }

    /** The PID in a lock file; 0 while its owner has not written it yet (or it is unreadable). */
    private static long lockOwner(Path lock) {
        try {
            String s = Files.readString(lock).strip();
            return s.isEmpty() ? 0 : Long.parseLong(s);
        } catch (IOException | NumberFormatException e) {
            return 0;
        }
    }

    /**
     * A private temporary folder in {@code dir} for a multi-file output that is renamed into place as a
     * whole (a study's report folder): removed by the shutdown hook on SIGINT and swept after a SIGKILL.
     * Release it with {@link #releaseTempFolder}.
     */
    public static Path createTempFolder(Path dir) {
        return createTempDir(prepareDir(dir.toAbsolutePath()));
    }

    /** Deletes a folder from {@link #createTempFolder} (if still there) and forgets it. */
    public static void releaseTempFolder(Path tmp) {
        release(tmp);
    }

    /**
     * Refuses a target that exists and is not a regular file, creates its folder, and sweeps stale
     * temporaries there. Returns the folder.
     */
    static Path prepare(Path target) {
        requireReplaceable(target);
        return prepareDir(target.toAbsolutePath().getParent());
    }

    private static Path prepareDir(Path dir) {
        try {
            Files.createDirectories(dir);
        } catch (IOException e) {
            throw new UserError("cannot create output folder " + dir + ": " + reason(e));
        }
        if (!Files.isWritable(dir)) throw new UserError("output folder " + dir + " is not writable");
        sweepStale(dir);
        return dir;
    }

    /** An existing target must be a regular file (a symbolic link to one is fine): never replace a device. */
    public static void requireReplaceable(Path target) {
        if (!Files.exists(target, LinkOption.NOFOLLOW_LINKS)) return;
        if (Files.isRegularFile(target)) return;
        throw new UserError(target + ": exists and is " + kind(target) + ", not a regular file; refusing to replace it");
    }

    /** What a non-regular file is, for messages: a directory, a character device, a FIFO... */
    public static String kind(Path p) {
        if (Files.isDirectory(p)) return "a directory";
        try {
            int mode = (Integer) Files.getAttribute(p, "unix:mode");
            return switch (mode & 0170000) {
                case 0020000 -> "a character device";
                case 0060000 -> "a block device";
                case 0010000 -> "a FIFO (named pipe)";
                case 0140000 -> "a socket";
                case 0100000 -> "a regular file";
                default -> "a special file";
            };
        } catch (IOException | UnsupportedOperationException | IllegalArgumentException e) {
            return "a special file";
        }
    }

    private static Path createTempDir(Path dir) {
        Path tmpDir = dir.resolve(TEMP_PREFIX + PID + "-" + COUNTER.incrementAndGet());
        try {
            LIVE.add(tmpDir);
            Files.createDirectory(tmpDir);
            return tmpDir;
        } catch (IOException e) {
            LIVE.remove(tmpDir);
            throw new UserError("cannot write in " + dir + ": " + reason(e));
        }
    }

    private static void release(Path tmpDir) {
        deleteTree(tmpDir);
        LIVE.remove(tmpDir);
    }

    private static void commit(Path tmp, Path target) throws IOException {
        try {
            Files.setPosixFilePermissions(tmp, PosixFilePermissions.fromString("rw-r--r--"));
        } catch (UnsupportedOperationException ignored) {
            // not a POSIX file system: keep the default permissions
        }
        force(tmp);
        requireReplaceable(target); // again: something may have appeared there while we wrote
        Path real = Files.isSymbolicLink(target) ? target.toRealPath() : target;
        try {
            Files.move(tmp, real, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
        } catch (AtomicMoveNotSupportedException e) {
            Files.move(tmp, real, StandardCopyOption.REPLACE_EXISTING);
        }
        try (FileChannel d = FileChannel.open(real.toAbsolutePath().getParent(), StandardOpenOption.READ)) {
            d.force(true); // the rename itself reaches the disk
        } catch (IOException ignored) {
            // some file systems cannot sync a folder; the file's content is on disk already
        }
    }

    private static void force(Path file) throws IOException {
        try (FileChannel c = FileChannel.open(file, StandardOpenOption.WRITE)) {
            c.force(true);
        }
    }

    private static void requireSpace(Path dir, Path target, long bytes) {
        long free;
        try {
            free = Files.getFileStore(dir).getUsableSpace();
        } catch (IOException e) {
            return; // unknown: let the write try
        }
        if (free < bytes) {
            throw new UserError("cannot write " + target + ": not enough free space in " + dir + " (about "
                    + mb(bytes) + " needed, " + mb(free) + " free)");
        }
    }

    private static String mb(long bytes) {
        return String.format("%.1f MB", bytes / 1e6);
    }

    /** Deletes temporary folders left in {@code dir} by edgetorch processes that no longer run. */
    static void sweepStale(Path dir) {
        List<Path> stale = new ArrayList<>();
        try (DirectoryStream<Path> s = Files.newDirectoryStream(dir, TEMP_PREFIX + "*")) {
            for (Path p : s) {
                Matcher m = TEMP_NAME.matcher(p.getFileName().toString());
                if (!m.matches() || !Files.isDirectory(p, LinkOption.NOFOLLOW_LINKS)) continue;
                long pid;
                try {
                    pid = Long.parseLong(m.group(1));
                } catch (NumberFormatException e) {
                    continue;
                }
                if (pid != PID && ProcessHandle.of(pid).map(ProcessHandle::isAlive).orElse(false)) continue;
                if (pid == PID && LIVE.contains(p)) continue;
                stale.add(p);
            }
        } catch (IOException e) {
            return; // unreadable folder: nothing to sweep
        }
        stale.forEach(AtomicFiles::deleteTree);
    }

    static void deleteTree(Path root) {
        try {
            Files.walkFileTree(root, new SimpleFileVisitor<>() {
                @Override
                public FileVisitResult visitFile(Path file, BasicFileAttributes attrs) throws IOException {
                    Files.deleteIfExists(file);
                    return FileVisitResult.CONTINUE;
                }

                @Override
                public FileVisitResult postVisitDirectory(Path d, IOException exc) throws IOException {
                    Files.deleteIfExists(d);
                    return FileVisitResult.CONTINUE;
                }
            });
        } catch (NoSuchFileException ignored) {
            // already gone
        } catch (IOException ignored) {
            // best effort; the target is either complete or untouched
        }
    }

    /** An I/O failure's reason in words: Java's messages for these are often just the path. */
    public static String reason(IOException e) {
        String m = e.getMessage();
        if (e instanceof NoSuchFileException) return "no such file or folder";
        if (e instanceof java.nio.file.AccessDeniedException) return "permission denied";
        if (e instanceof java.nio.file.FileAlreadyExistsException) return "already exists";
        if (e instanceof java.nio.file.DirectoryNotEmptyException) return "folder not empty";
        if (e instanceof java.nio.file.FileSystemException f && f.getReason() != null) return f.getReason();
        return m == null ? e.getClass().getSimpleName() : m;
    }
}
