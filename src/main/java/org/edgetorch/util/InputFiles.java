package org.edgetorch.util;

import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;

/**
 * Checks on a file before it is read, with the reason in the message: edgetorch reads regular files only
 * (a FIFO would hang, a device never ends, {@code /dev/stdin} is a pipe), and reads them with a size bound.
 */
public final class InputFiles {
    private InputFiles() {
    }

    /**
     * The file exists, is a regular file (after following links) and is readable; {@code what} says what it
     * is for ("model", "--weights"...), may be null.
     */
    public static void requireRegularFile(Path file, String what) {
        String prefix = file + ": ";
        if (!Files.exists(file, LinkOption.NOFOLLOW_LINKS)) throw new UserError(prefix + "no such file");
        if (!Files.exists(file)) throw new UserError(prefix + "a symbolic link to a missing file");
        if (!Files.isRegularFile(file)) {
            throw new UserError(prefix + "is " + AtomicFiles.kind(file) + ", not a regular file"
                    + (what == null ? "" : "; expected " + what));
        }
        if (!Files.isReadable(file)) throw new UserError(prefix + "not readable (permission denied)");
    }

    /** The whole file, refused when it is not a regular file or larger than {@code maxBytes}. */
    public static byte[] readBounded(Path file, long maxBytes, String what) {
        requireRegularFile(file, what);
        try {
            long size = Files.size(file);
            if (size > maxBytes) {
                throw new UserError(file + ": " + size + " bytes is larger than the " + maxBytes + " bytes "
                        + (what == null ? "such a file" : what) + " can be");
            }
            try (InputStream in = Files.newInputStream(file)) {
                byte[] b = in.readNBytes((int) Math.min(maxBytes + 1, Integer.MAX_VALUE - 8));
                if (b.length > maxBytes) throw new UserError(file + ": grew beyond " + maxBytes + " bytes while being read");
                return b;
            }
        } catch (IOException e) {
            throw new UserError(file + ": cannot read it: " + AtomicFiles.reason(e));
        }
    }
}
