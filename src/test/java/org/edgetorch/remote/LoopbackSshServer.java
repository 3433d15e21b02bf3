package org.edgetorch.remote;

import org.apache.sshd.common.config.keys.KeyUtils;
import org.apache.sshd.common.config.keys.PublicKeyEntry;
import org.apache.sshd.common.config.keys.writer.openssh.OpenSSHKeyPairResourceWriter;
import org.apache.sshd.common.file.virtualfs.VirtualFileSystemFactory;
import org.apache.sshd.common.keyprovider.KeyPairProvider;
import org.apache.sshd.server.Environment;
import org.apache.sshd.server.ExitCallback;
import org.apache.sshd.server.SshServer;
import org.apache.sshd.server.channel.ChannelSession;
import org.apache.sshd.server.command.Command;
import org.apache.sshd.sftp.server.SftpEventListener;
import org.apache.sshd.sftp.server.SftpSubsystemFactory;

import java.io.File;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.GeneralSecurityException;
import java.security.KeyPair;
import java.util.List;

/**
 * A "board" on the loopback address for the tests (and bench/arm64-e2e.sh): Apache MINA SSHD's server on
 * 127.0.0.1, an ephemeral port, a fresh host key, public-key authentication of one key, commands run as
 * local processes ({@code /bin/sh -c}) in a temporary home folder with HOME set to it, and SFTP rooted
 * there, so the board's ~/.edgetorch/remote is {@code home}/.edgetorch/remote.
 */
public final class LoopbackSshServer implements AutoCloseable {
    public static final String ADDRESS = "127.0.0.1";

    private final SshServer server;
    private final Path home;
    private final KeyPair hostKey;

    public LoopbackSshServer(Path home, java.security.PublicKey authorized, SftpEventListener sftpListener) throws IOException {
        this.home = home;
        Files.createDirectories(home);
        try {
            hostKey = KeyUtils.generateKeyPair("ecdsa-sha2-nistp256", 256);
        } catch (GeneralSecurityException e) {
            throw new IOException(e);
        }
        server = SshServer.setUpDefaultServer();
        server.setHost(ADDRESS);
        server.setPort(0);
        server.setKeyPairProvider(KeyPairProvider.wrap(hostKey));
        server.setPublickeyAuthenticator((user, key, session) -> KeyUtils.compareKeys(key, authorized));
        server.setPasswordAuthenticator(null);
        server.setKeyboardInteractiveAuthenticator(null);
        server.setCommandFactory((channel, command) -> new LocalCommand(command, home));
        SftpSubsystemFactory sftp = new SftpSubsystemFactory.Builder().build();
        if (sftpListener != null) sftp.addSftpEventListener(sftpListener);
        server.setSubsystemFactories(List.of(sftp));
        server.setFileSystemFactory(new VirtualFileSystemFactory(home));
        server.start();
    }

    public int port() {
        return server.getPort();
    }

    public Path home() {
        return home;
    }

    /** The known_hosts line of this server, as OpenSSH writes it for a non-standard port. */
    public String knownHostsLine() {
        return "[" + ADDRESS + "]:" + port() + " " + PublicKeyEntry.toString(hostKey.getPublic());
    }

    /** Stops at once, dropping every connection: a board that loses power or network mid-run. */
    public void kill() {
        try {
            server.stop(true);
        } catch (IOException ignored) {
            // stopping
        }
    }

    @Override
    public void close() {
        kill();
    }

    /** A new client key pair, its private half written in OpenSSH's format for --identity. */
    public static KeyPair clientKey(Path privateKeyFile) throws IOException {
        try {
            KeyPair kp = KeyUtils.generateKeyPair("ecdsa-sha2-nistp256", 256);
            try (OutputStream out = Files.newOutputStream(privateKeyFile)) {
                OpenSSHKeyPairResourceWriter.INSTANCE.writePrivateKey(kp, "edgetorch-test", null, out);
            }
            return kp;
        } catch (GeneralSecurityException e) {
            throw new IOException(e);
        }
    }

    /** A command as a local process, like OpenSSH's exec: {@code /bin/sh -c COMMAND} in the home folder. */
    static final class LocalCommand implements Command {
        private final String command;
        private final Path home;
        private OutputStream out, err;
        private ExitCallback exit;
        private Process process;

        LocalCommand(String command, Path home) {
            this.command = command;
            this.home = home;
        }

        @Override
        public void setInputStream(InputStream in) {
        }

        @Override
        public void setOutputStream(OutputStream out) {
            this.out = out;
        }

        @Override
        public void setErrorStream(OutputStream err) {
            this.err = err;
        }

        @Override
        public void setExitCallback(ExitCallback callback) {
            this.exit = callback;
        }

        @Override
        public void start(ChannelSession channel, Environment env) throws IOException {
            ProcessBuilder pb = new ProcessBuilder("/bin/sh", "-c", command).directory(home.toFile());
            pb.environment().put("HOME", home.toString());
            // A board's own tools first (a test's board with a full disk brings its df)
            Path bin = home.resolve("bin");
            if (Files.isDirectory(bin)) pb.environment().put("PATH", bin + File.pathSeparator + System.getenv("PATH"));
            pb.redirectInput(ProcessBuilder.Redirect.from(new java.io.File("/dev/null")));
            process = pb.start();
            Thread t = new Thread(() -> {
                Thread o = pump(process.getInputStream(), out), e = pump(process.getErrorStream(), err);
                int code;
                try {
                    code = process.waitFor();
                    o.join();
                    e.join();
                } catch (InterruptedException ie) {
                    code = 255;
                }
                exit.onExit(code);
            }, "loopback-ssh-command");
            t.setDaemon(true);
            t.start();
        }

        private static Thread pump(InputStream from, OutputStream to) {
            Thread t = new Thread(() -> {
                byte[] buf = new byte[8192];
                try {
                    for (int n; (n = from.read(buf)) > 0; ) {
                        to.write(buf, 0, n);
                        to.flush();
                    }
                } catch (IOException ignored) {
                    // the channel closed
                }
            }, "loopback-ssh-pump");
            t.setDaemon(true);
            t.start();
            return t;
        }

        @Override
        public void destroy(ChannelSession channel) {
            if (process != null) process.destroyForcibly();
        }
    }

    /**
     * For bench/arm64-e2e.sh. {@code keygen FILE}: a client key pair, FILE (private, OpenSSH format) and
     * FILE.pub. {@code serve HOME AUTHORIZED_PUBKEY_FILE KNOWN_HOSTS_OUT}: serves until killed, after writing
     * the known_hosts line (which carries the port) to KNOWN_HOSTS_OUT.
     */
    public static void main(String[] args) throws Exception {
        if (args.length == 2 && args[0].equals("keygen")) {
            KeyPair kp = clientKey(Path.of(args[1]));
            Files.writeString(Path.of(args[1] + ".pub"), PublicKeyEntry.toString(kp.getPublic()) + "\n");
            return;
        }
        if (args.length != 4 || !args[0].equals("serve")) {
            System.err.println("usage: LoopbackSshServer keygen FILE | serve HOME AUTHORIZED_PUBKEY_FILE KNOWN_HOSTS_OUT");
            System.exit(2);
        }
        String line = Files.readString(Path.of(args[2]), StandardCharsets.UTF_8).strip();
        java.security.PublicKey key = PublicKeyEntry.parsePublicKeyEntry(line).resolvePublicKey(null, null, null);
        LoopbackSshServer s = new LoopbackSshServer(Path.of(args[1]), key, null);
        Runtime.getRuntime().addShutdownHook(new Thread(s::close));
        Path known = Path.of(args[3]);
        Path tmp = known.resolveSibling(known.getFileName() + ".tmp");
        Files.writeString(tmp, s.knownHostsLine() + "\n");
        Files.move(tmp, known, java.nio.file.StandardCopyOption.ATOMIC_MOVE, java.nio.file.StandardCopyOption.REPLACE_EXISTING);
        System.out.println("serving " + s.home() + " on " + ADDRESS + ":" + s.port());
        System.out.flush();
        Thread.currentThread().join();
    }
}
