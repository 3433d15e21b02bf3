package org.edgetorch.util;

import java.io.IOException;
import java.nio.file.AtomicMoveNotSupportedException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;

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
        Path dir = target.toAbsolutePath().getParent();
        try {
            Files.createDirectories(dir);
        } catch (IOException e) {
            throw new UserError("cannot create output folder " + dir + ": " + e.getMessage());
        }
        if (!Files.isWritable(dir)) throw new UserError("output folder " + dir + " is not writable");
        Path tmp;
        try {
            tmp = Files.createTempFile(dir, "." + target.getFileName() + ".", ".tmp");
        } catch (IOException e) {
            throw new UserError("cannot write in " + dir + ": " + e.getMessage());
        }
        try {
            writer.write(tmp);
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
            } catch (IOException ignored) {
                // best effort; the target is either complete or untouched
            }
        }
    }

    public static void writeString(Path target, String text) {
        write(target, tmp -> Files.writeString(tmp, text));
    }
}
