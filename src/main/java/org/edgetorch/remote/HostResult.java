package org.edgetorch.remote;

import java.nio.file.Path;
import java.util.List;
import java.util.Map;

/**
 * What one board's run came to.
 *
 * @param failedStep null when every step went through, else {@code connect}, {@code check}, {@code copy},
 *                   {@code run} or {@code fetch}
 * @param reason     why it failed (one line), null when it did not
 * @param arch       the board JVM's os.arch (null when not reached)
 * @param java       the board's {@code java -version} first line
 * @param info       the board's {@code edgetorch info --json} (null when it could not run)
 * @param infoError  why {@code info} could not run (e.g. no LibTorch on the board)
 * @param copies     the files sent, or found already there
 * @param ioFile     the board's {@code --save-io} file, fetched (null when none came back)
 * @param seconds    wall time of the host's steps
 */
public record HostResult(Host host, String failedStep, String reason, String arch, String java, Map<String, Object> info,
                         String infoError, List<Copy> copies, Path ioFile, double seconds) {

    public HostResult {
        copies = List.copyOf(copies);
    }

    /** A file on the board: {@code skipped} when the board's copy already had the same SHA-256. */
    public record Copy(String file, long bytes, String sha256, boolean skipped) {
    }

    public boolean ok() {
        return failedStep == null;
    }
}
