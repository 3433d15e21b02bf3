package org.edgetorch.remote;

import org.apache.sshd.client.channel.ChannelExec;
import org.apache.sshd.client.channel.ClientChannelEvent;
import org.apache.sshd.client.session.ClientSession;
import org.apache.sshd.sftp.client.SftpClient;
import org.apache.sshd.sftp.client.SftpClientFactory;
import org.apache.sshd.sftp.common.SftpConstants;
import org.apache.sshd.sftp.common.SftpException;
import org.edgetorch.util.AtomicFiles;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.EnumSet;
import java.util.List;
import java.util.Set;
import java.util.function.Consumer;

/**
 * One board over an authenticated SSH session: commands (exec channels) and files (SFTP). Paths are
 * relative to the login directory, where both OpenSSH's exec and its SFTP server start, so
 * {@value #DIR} is ~/.edgetorch/remote on the board. Files arrive under a temporary name and are renamed
 * once complete, so a dropped connection or a full disk never leaves a half-copied file under its real
 * name; the session's own folder and temporary names are removed at the end, and leftovers of earlier
 * sessions that died with their connection at the start of the next one.
 */
public final class Board implements AutoCloseable {
    public static final String DIR = ".edgetorch/remote";
    public static final String MODELS = DIR + "/models";
    static final String SESSION_PREFIX = "session-";
    static final String PART = ".part-";
    /** A leftover older than this belongs to no running session. */
    static final Duration STALE = Duration.ofHours(6);

    private final Host host;
    private final ClientSession session;
    private final SftpClient sftp;
    private final String id;
    private boolean prepared;

    public Board(Host host, ClientSession session, String sessionId) {
        this.host = host;
        this.session = session;
        this.id = sessionId;
        try {
            this.sftp = SftpClientFactory.instance().createSftpClient(session);
        } catch (IOException e) {
            session.close(true);
            throw new StepFailure("connect", "no SFTP on the board (" + SshAccess.reason(e) + ")", e);
        }
    }

    /** This session's folder on the board, for the files only it uses. */
    public String sessionDir() {
        return DIR + "/" + SESSION_PREFIX + id;
    }

    /** What a finished command left: its exit status, stdout, and stderr's lines (the last thousand). */
    public record Result(int exit, String out, List<String> errTail) {
        /** The last {@code edgetorch: ...} line, else the last line of stderr, else the exit status. */
        public String reason() {
            for (int i = errTail.size() - 1; i >= 0; i--) {
                if (errTail.get(i).startsWith("edgetorch: ")) return errTail.get(i).substring("edgetorch: ".length());
            }
            return errTail.isEmpty() ? "exit status " + exit : errTail.get(errTail.size() - 1) + " (exit status " + exit + ")";
        }
    }

    /** Runs a shell command on the board; stderr lines go to {@code progress} as they come (null: kept only). */
    public Result exec(String step, String command, Consumer<String> progress) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        LineSink err = new LineSink(progress);
        try (ChannelExec ch = session.createExecChannel(command)) {
            ch.setOut(out);
            ch.setErr(err);
            ch.open().verify(Duration.ofSeconds(30));
            Set<ClientChannelEvent> events = ch.waitFor(EnumSet.of(ClientChannelEvent.CLOSED, ClientChannelEvent.EXIT_STATUS), 0L);
            if (!events.contains(ClientChannelEvent.EXIT_STATUS)) {
                ch.waitFor(EnumSet.of(ClientChannelEvent.EXIT_STATUS), Duration.ofSeconds(2));
            }
            Integer status = ch.getExitStatus();
            err.flushLine();
            if (status == null) throw new StepFailure(step, "connection lost while running the command");
            return new Result(status, out.toString(StandardCharsets.UTF_8), err.tail());
        } catch (IOException e) {
            throw new StepFailure(step, lost(e), e);
        }
    }

    /** Creates ~/.edgetorch/remote, its models folder and this session's folder; removes stale leftovers. */
    public void prepare() {
        try {
            mkdirs(".edgetorch");
            mkdirs(DIR);
            mkdirs(MODELS);
            removeStale(DIR);
            removeStale(MODELS);
            sftp.mkdir(sessionDir());
            prepared = true;
        } catch (IOException e) {
            throw new StepFailure("copy", "cannot create ~/" + DIR + " (" + lost(e) + ")", e);
        }
    }

    private void mkdirs(String dir) throws IOException {
        try {
            if (sftp.stat(dir).isDirectory()) return;
            throw new IOException("~/" + dir + " exists and is not a directory");
        } catch (SftpException e) {
            if (e.getStatus() != SftpConstants.SSH_FX_NO_SUCH_FILE) throw e;
        }
        sftp.mkdir(dir);
    }

    private void removeStale(String dir) throws IOException {
        long now = System.currentTimeMillis();
        List<SftpClient.DirEntry> stale = new ArrayList<>();
        for (SftpClient.DirEntry e : list(dir)) {
            String n = e.getFilename();
            boolean temporary = n.contains(PART) || n.startsWith(SESSION_PREFIX);
            var mtime = e.getAttributes().getModifyTime();
            if (temporary && mtime != null && now - mtime.toMillis() > STALE.toMillis()) stale.add(e);
        }
        for (SftpClient.DirEntry e : stale) removeTree(dir + "/" + e.getFilename(), e.getAttributes().isDirectory());
    }

    private void removeTree(String path, boolean directory) throws IOException {
        if (directory) {
            List<SftpClient.DirEntry> children = new ArrayList<>();
            for (SftpClient.DirEntry c : list(path)) {
                if (!c.getFilename().equals(".") && !c.getFilename().equals("..")) children.add(c);
            }
            for (SftpClient.DirEntry c : children) removeTree(path + "/" + c.getFilename(), c.getAttributes().isDirectory());
            sftp.rmdir(path);
        } else {
            sftp.remove(path);
        }
    }

    /** A folder's entries; the SFTP client reports a failure while listing unchecked. */
    private List<SftpClient.DirEntry> list(String dir) throws IOException {
        try {
            List<SftpClient.DirEntry> out = new ArrayList<>();
            for (SftpClient.DirEntry e : sftp.readDir(dir)) out.add(e);
            return out;
        } catch (java.io.UncheckedIOException e) {
            throw e.getCause();
        }
    }

    /** The SHA-256 of a file on the board (sha256sum), or null when it is absent or cannot be hashed there. */
    public String sha256(String path) {
        Result r = exec("copy", "sha256sum -- " + quote(path) + " 2>/dev/null", null);
        if (r.exit() != 0) return null;
        String first = r.out().strip().split("\\s+")[0];
        return first.matches("[0-9a-f]{64}") ? first : null;
    }

    /** Bytes free in the folder's file system (df -Pk), or -1 when the board does not say. */
    public long freeBytes(String dir) {
        Result r = exec("copy", "df -Pk -- " + quote(dir) + " 2>/dev/null", null);
        if (r.exit() != 0) return -1;
        String[] lines = r.out().strip().split("\n");
        String[] cols = lines[lines.length - 1].trim().split("\\s+");
        try {
            return cols.length >= 4 ? Long.parseLong(cols[3]) * 1024 : -1;
        } catch (NumberFormatException e) {
            return -1;
        }
    }

    /** Copies a local file to {@code remote}: written as {@code remote.part-<session>}, renamed when complete. */
    public void upload(Path local, String remote, String name, java.util.function.LongConsumer bytesSent) {
        String tmp = remote + PART + id;
        try {
            try (InputStream in = Files.newInputStream(local); OutputStream out = sftp.write(tmp)) {
                byte[] buf = new byte[1 << 16];
                long sent = 0;
                for (int n; (n = in.read(buf)) > 0; ) {
                    out.write(buf, 0, n);
                    sent += n;
                    if (bytesSent != null) bytesSent.accept(sent);
                }
            }
            try {
                sftp.remove(remote);
            } catch (SftpException e) {
                if (e.getStatus() != SftpConstants.SSH_FX_NO_SUCH_FILE) throw e;
            }
            sftp.rename(tmp, remote);
        } catch (IOException e) {
            quietlyRemove(tmp);
            String reason = lost(e);
            // OpenSSH's SFTP server says only "Failure" for a full disk (SFTP v3 has no code for it): ask df.
            if (!reason.startsWith("no space") && !reason.startsWith("connection lost")) {
                try {
                    long free = freeBytes(DIR), size = local.toFile().length();
                    if (free >= 0 && free < size) {
                        reason = String.format(java.util.Locale.ROOT, "no space left on the board (%.1f MB free in ~/%s, the file needs %.1f MB)",
                                free / 1e6, DIR, size / 1e6);
                    }
                } catch (StepFailure f) {
                    reason = lost(e);  // the connection went while we asked: that is the reason
                }
            }
            throw new StepFailure("copy", name + ": " + reason, e);
        }
    }

    /** Fetches a file from the board; the local file appears complete or not at all. */
    public void download(String remote, Path local) {
        try {
            AtomicFiles.write(local, tmp -> {
                try (InputStream in = sftp.read(remote)) {
                    Files.copy(in, tmp);
                }
            });
        } catch (org.edgetorch.util.UserError e) {
            Throwable c = e.getCause() != null ? e.getCause() : e;
            throw new StepFailure("fetch", remote + ": " + (c instanceof IOException io ? lost(io) : e.getMessage()), e);
        }
    }

    /** Whether a file exists on the board. */
    public boolean exists(String path) {
        try {
            sftp.stat(path);
            return true;
        } catch (IOException e) {
            return false;
        }
    }

    /** Removes this session's folder and temporary names; best effort (a dropped session's go next time). */
    public void clean() {
        if (!prepared || !session.isOpen()) return;
        try {
            removeTree(sessionDir(), true);
        } catch (IOException ignored) {
            // already gone, or the connection is: the next session removes it once stale
        }
    }

    private void quietlyRemove(String path) {
        try {
            if (session.isOpen()) sftp.remove(path);
        } catch (IOException ignored) {
            // the connection is gone: the next session removes the leftover
        }
    }

    /** A message for an I/O failure: the connection's loss said plainly, else the board's own reason. */
    private String lost(IOException e) {
        if (!session.isOpen() || session.isClosing()) return "connection lost (" + SshAccess.reason(e) + ")";
        if (e instanceof SftpException s) {
            if (s.getStatus() == SftpConstants.SSH_FX_NO_SPACE_ON_FILESYSTEM) return "no space left on the board";
            if (s.getStatus() == SftpConstants.SSH_FX_PERMISSION_DENIED) return "permission denied on the board";
        }
        String r = SshAccess.reason(e);
        return r.toLowerCase(java.util.Locale.ROOT).contains("no space") ? "no space left on the board (" + r + ")" : r;
    }

    /** Quotes a word for the board's POSIX shell. */
    public static String quote(String word) {
        return word.matches("[A-Za-z0-9_./,=:@%+-]+") ? word : "'" + word.replace("'", "'\\''") + "'";
    }

    @Override
    public void close() {
        try {
            sftp.close();
        } catch (IOException ignored) {
            // closing
        }
        // A graceful close, waited for: the client stops right after, and must not find reads in flight.
        if (!session.close(false).awaitUninterruptibly(3000)) session.close(true);
    }

    /** Stderr split into lines: each passed on, the last few kept for the failure message. */
    private static final class LineSink extends OutputStream {
        private final Consumer<String> progress;
        private final ByteArrayOutputStream line = new ByteArrayOutputStream();
        private final Deque<String> tail = new ArrayDeque<>();

        LineSink(Consumer<String> progress) {
            this.progress = progress;
        }

        @Override
        public synchronized void write(int b) {
            if (b == '\n') flushLine();
            else if (b != '\r') line.write(b);
        }

        synchronized void flushLine() {
            if (line.size() == 0) return;
            String s = line.toString(StandardCharsets.UTF_8);
            line.reset();
            if (progress != null) progress.accept(s);
            tail.addLast(s);
            if (tail.size() > 1000) tail.removeFirst();
        }

        synchronized List<String> tail() {
            return List.copyOf(tail);
        }
    }
}
