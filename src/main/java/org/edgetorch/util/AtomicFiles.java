package org.edgetorch.util;

import java.io.IOException;
import java.nio.file.AtomicMoveNotSupportedException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.attribute.PosixFilePermissions;

/**
 * Every file edgetorch writes goes through here: written to a temporary file beside the target, then
 * renamed, so a failure never leaves a half-written artifact.
 */
public final class AtomicFiles {
    private AtomicFiles() {
    }

    /** Writes a file through a callback that receives the temporary path to write to. */
    public interface Writer {
        void write(Path tmp) throws IOException;
    }

    public static void write(Path target, Writer writer) {
        // everything runs as root: a rename onto a device node (--out /dev/null), a FIFO or an empty folder would replace it
        if (Files.exists(target) && !Files.isRegularFile(target)) {
            throw new UserError(target + " exists and is not a regular file; not replaced");
        }
        Path dir = target.toAbsolutePath().getParent();
        try {
            Files.createDirectories(dir);
        } catch (IOException e) {
            throw new UserError("cannot create output folder " + dir + ": " + e.getMessage());
        }
        if (!Files.isWritable(dir)) throw new UserError("output folder " + dir + " is not writable");
        // The temporary file carries the target's own name, inside a private folder: LibTorch names a
        // TorchScript archive's root folder after the file it writes.
        Path tmpDir;
        try {
            tmpDir = Files.createTempDirectory(dir, "." + target.getFileName() + ".");
        } catch (IOException e) {
            throw new UserError("cannot write in " + dir + ": " + e.getMessage());
        }
        Path tmp = tmpDir.resolve(target.getFileName().toString());
        try {
            writer.write(tmp);
            try {
                Files.setPosixFilePermissions(tmp, PosixFilePermissions.fromString("rw-r--r--"));
            } catch (UnsupportedOperationException ignored) {
                // not a POSIX file system: keep the default permissions
            }
            try {
                Files.move(tmp, target, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
            } catch (AtomicMoveNotSupportedException e) {
                Files.move(tmp, target, StandardCopyOption.REPLACE_EXISTING);
            }
        } catch (IOException e) {
            throw new UserError("cannot write " + target + ": " + e.getMessage(), e);
        } finally {
            try {
                Files.deleteIfExists(tmp);
                Files.deleteIfExists(tmpDir);
            } catch (IOException ignored) {
                // best effort; the target is either complete or untouched
            }
        }
    }

    public static void writeString(Path target, String text) {
        write(target, tmp -> Files.writeString(tmp, text));
    }
}
