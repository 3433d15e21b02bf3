package org.edgetorch.study;

import org.edgetorch.util.UserError;

import java.io.IOException;
import java.nio.file.AtomicMoveNotSupportedException;
import java.nio.file.DirectoryStream;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.Comparator;
import java.util.stream.Stream;

/**
 * The report folder appears complete or not at all: files are written into a hidden staging folder beside
 * the target, which is renamed into place at the end. {@link #prepare} runs before the study's long stages,
 * so an unwritable location fails in a second, not after minutes of measuring.
 *
 * <p>An existing target is replaced only if it is empty or a previous study report (it has report.json);
 * anything else is left alone with an error.
 */
public final class ReportFolder implements AutoCloseable {
    static final String MARKER = "report.json";

    private final Path target;
    private final Path staging;
    private final Thread cleanup;
    private boolean committed;

    private ReportFolder(Path target, Path staging) {
        this.target = target;
        this.staging = staging;
        // Ctrl-C during a long study: the half-written staging folder goes too.
        this.cleanup = new Thread(() -> deleteTree(staging), "report-folder-cleanup");
        Runtime.getRuntime().addShutdownHook(cleanup);
    }

    public static ReportFolder prepare(Path target) {
        Path abs = target.toAbsolutePath().normalize();
        Path parent = abs.getParent();
        if (parent == null) throw new UserError("--out " + target + ": cannot write a report folder at the file system root");
        checkReplaceable(target, abs);
        try {
            Files.createDirectories(parent);
        } catch (IOException e) {
            throw new UserError("cannot create the report folder's parent " + parent + ": " + reason(e));
        }
        if (!Files.isDirectory(parent)) throw new UserError("--out " + target + ": " + parent + " is not a directory");
        if (!Files.isWritable(parent)) throw new UserError("--out " + target + ": " + parent + " is not writable");
        Path staging;
        try {
            // named and cleaned up like every temporary (short name, SIGINT hook, swept after a SIGKILL)
            staging = org.edgetorch.util.AtomicFiles.createTempFolder(parent);
        } catch (UserError e) {
            throw new UserError("--out " + target + ": " + e.getMessage());
        }
        return new ReportFolder(abs, staging);
    }

    /** Where the report's files are written until {@link #commit()}. */
    public Path staging() {
        return staging;
    }

    public Path target() {
        return target;
    }

    /** Moves the finished report into place, replacing a previous report at the same path. */
    public void commit() {
        checkReplaceable(target, target);
        relaxPermissions(staging);
        Path old = null;
        try {
            if (Files.exists(target)) {
                old = Files.createTempDirectory(target.getParent(), ".edgetorch-old-");
                Files.delete(old);
                move(target, old);
            }
            move(staging, target);
            committed = true;
        } catch (IOException e) {
            if (old != null && !Files.exists(target)) {
                try {
                    move(old, target);  // put the previous report back
                    old = null;
                } catch (IOException ignored) {
                    // the old report stays at its temporary name; say where
                }
            }
            throw new UserError("cannot move the report into " + target + ": " + reason(e)
                    + (old != null ? " (the previous report is at " + old + ")" : ""));
        }
        if (old != null) deleteTree(old);
    }

    /** Removes the staging folder unless the report was committed. */
    @Override
    public void close() {
        if (!committed) deleteTree(staging);
        try {
            Runtime.getRuntime().removeShutdownHook(cleanup);
        } catch (IllegalStateException e) {
            // the JVM is already shutting down; the hook runs
        }
    }

    /** Temporary files and folders are private to their owner; a report is for everyone who can read the parent. */
    private static void relaxPermissions(Path dir) {
        try (Stream<Path> walk = Files.walk(dir)) {
            for (Path p : (Iterable<Path>) walk::iterator) {
                Files.setPosixFilePermissions(p, PosixFilePermissions.fromString(Files.isDirectory(p) ? "rwxr-xr-x" : "rw-r--r--"));
            }
        } catch (IOException | UnsupportedOperationException e) {
            // not a POSIX file system: its defaults apply
        }
    }

    private static void checkReplaceable(Path given, Path abs) {
        if (!Files.exists(abs)) return;
        if (!Files.isDirectory(abs)) throw new UserError("--out " + given + ": exists and is not a directory");
        if (Files.exists(abs.resolve(MARKER))) return;
        try (DirectoryStream<Path> entries = Files.newDirectoryStream(abs)) {
            if (entries.iterator().hasNext()) {
                throw new UserError("--out " + given + ": exists, is not empty and holds no study report; "
                        + "choose another folder (a previous report there would be replaced)");
            }
        } catch (IOException e) {
            throw new UserError("--out " + given + ": cannot read it: " + reason(e));
        }
    }

    private static void move(Path from, Path to) throws IOException {
        try {
            Files.move(from, to, StandardCopyOption.ATOMIC_MOVE);
        } catch (AtomicMoveNotSupportedException e) {
            Files.move(from, to);
        } catch (FileAlreadyExistsException e) {
            // an empty target folder: replace it
            Files.delete(to);
            Files.move(from, to, StandardCopyOption.ATOMIC_MOVE);
        }
    }

    static void deleteTree(Path dir) {
        if (!Files.exists(dir)) return;
        try (Stream<Path> walk = Files.walk(dir)) {
            walk.sorted(Comparator.reverseOrder()).forEach(p -> {
                try {
                    Files.deleteIfExists(p);
                } catch (IOException ignored) {
                    // best effort
                }
            });
        } catch (IOException ignored) {
            // best effort
        }
    }

    private static String reason(IOException e) {
        String m = e.getMessage();
        return e.getClass().getSimpleName().replace("Exception", "") + (m == null ? "" : " (" + m + ")");
    }
}
