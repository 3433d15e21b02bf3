package org.edgetorch.remote;

import org.apache.sshd.client.SshClient;
import org.apache.sshd.client.auth.pubkey.UserAuthPublicKeyFactory;
import org.apache.sshd.client.keyverifier.KnownHostsServerKeyVerifier;
import org.apache.sshd.client.keyverifier.ServerKeyVerifier;
import org.apache.sshd.client.session.ClientSession;
import org.apache.sshd.common.AttributeRepository;
import org.apache.sshd.common.config.keys.FilePasswordProvider;
import org.apache.sshd.common.config.keys.KeyUtils;
import org.apache.sshd.common.keyprovider.FileKeyPairProvider;
import org.apache.sshd.core.CoreModuleProperties;
import org.apache.sshd.common.NamedResource;
import org.apache.sshd.common.util.security.SecurityUtils;
import org.edgetorch.util.InputFiles;
import org.edgetorch.util.UserError;

import java.io.Console;
import java.io.IOException;
import java.net.ConnectException;
import java.net.NoRouteToHostException;
import java.net.UnknownHostException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.security.GeneralSecurityException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;

/**
 * The SSH side of {@code edgetorch remote}, one client for all hosts: host keys checked against a
 * known_hosts file (an unknown key refused unless {@code acceptNewHostKey}, which then records it there, as
 * OpenSSH's {@code StrictHostKeyChecking=accept-new}; a changed key always refused), public-key
 * authentication only, with key files from {@code --identity} or ~/.ssh. A passphrase is asked on the
 * terminal, never taken from the command line.
 */
public final class SshAccess implements AutoCloseable {
    /** What the host-key check saw, for a failure message that says why. */
    static final AttributeRepository.AttributeKey<String> UNKNOWN_KEY = new AttributeRepository.AttributeKey<>();
    static final AttributeRepository.AttributeKey<String> CHANGED_KEY = new AttributeRepository.AttributeKey<>();
    static final List<String> DEFAULT_KEYS = List.of("id_ed25519", "id_ecdsa", "id_rsa");

    private final SshClient client;
    private final Path knownHosts;
    private final List<Path> identities;
    private final Duration timeout;

    public SshAccess(Path knownHosts, boolean acceptNewHostKey, List<Path> identities, Duration timeout) {
        this.knownHosts = knownHosts;
        this.identities = List.copyOf(identities);
        this.timeout = timeout;
        client = SshClient.setUpDefaultClient();
        ServerKeyVerifier unknown = (session, address, key) -> {
            session.setAttribute(UNKNOWN_KEY, KeyUtils.getKeyType(key) + " " + KeyUtils.getFingerPrint(key));
            return acceptNewHostKey;
        };
        KnownHostsServerKeyVerifier verifier = new KnownHostsServerKeyVerifier(unknown, knownHosts);
        verifier.setModifiedServerKeyAcceptor((session, address, entry, expected, actual) -> {
            session.setAttribute(CHANGED_KEY, KeyUtils.getKeyType(actual) + " " + KeyUtils.getFingerPrint(actual));
            return false;
        });
        client.setServerKeyVerifier(verifier);
        client.setUserAuthFactories(List.of(UserAuthPublicKeyFactory.INSTANCE));
        FileKeyPairProvider keys = new FileKeyPairProvider(identities);
        keys.setPasswordFinder(SshAccess::askPassphrase);
        client.setKeyIdentityProvider(keys);
        client.setFilePasswordProvider(SshAccess::askPassphrase);
        // A board that vanishes (power, Wi-Fi) is noticed within a minute, even while a long benchmark is silent.
        CoreModuleProperties.HEARTBEAT_INTERVAL.set(client, Duration.ofSeconds(15));
        CoreModuleProperties.HEARTBEAT_NO_REPLY_MAX.set(client, 3);
        CoreModuleProperties.IDLE_TIMEOUT.set(client, Duration.ZERO);
        CoreModuleProperties.NIO2_READ_TIMEOUT.set(client, Duration.ZERO);
        client.start();
    }

    /**
     * The key files to offer: {@code --identity} files (each a regular file holding a private key: checked
     * here, as a bad one would otherwise only show as a failed login on every board), else the usual ones in
     * ~/.ssh that exist.
     */
    public static List<Path> identities(List<Path> given, Path sshDir) {
        List<Path> out = new ArrayList<>();
        if (given != null && !given.isEmpty()) {
            for (Path p : given) {
                requirePrivateKey(p);
                out.add(p);
            }
            return out;
        }
        for (String n : DEFAULT_KEYS) {
            Path p = sshDir.resolve(n);
            if (Files.isRegularFile(p) && Files.isReadable(p)) out.add(p);
        }
        if (out.isEmpty()) {
            throw new UserError("no SSH key: none of " + String.join(", ", DEFAULT_KEYS) + " in " + sshDir + "; pass --identity KEY");
        }
        return out;
    }

    /** Largest key file read: keys are a few KB. */
    private static final long MAX_KEY_BYTES = 1 << 20;

    static void requirePrivateKey(Path p) {
        List<String> lines;
        try {
            lines = new String(InputFiles.readBounded(p, MAX_KEY_BYTES, "a key file"), StandardCharsets.UTF_8).lines().toList();
        } catch (UserError e) {
            throw new UserError("--identity " + e.getMessage());
        }
        boolean privateKey;
        try {
            privateKey = SecurityUtils.getKeyPairResourceParser().canExtractKeyPairs(NamedResource.ofName(p.toString()), lines);
        } catch (IOException | GeneralSecurityException | RuntimeException e) {
            privateKey = false;
        }
        if (privateKey) return;
        String first = lines.stream().filter(l -> !l.isBlank()).findFirst().orElse("").strip();
        if (first.matches("(ssh-|ecdsa-|sk-)\\S+ AAAA\\S*.*")) {
            throw new UserError("--identity " + p + ": is a public key; pass the private key file (the one without .pub)");
        }
        throw new UserError("--identity " + p + ": not a private key file (expected OpenSSH, PEM or PKCS#8, as ssh-keygen writes)");
    }

    /**
     * The known_hosts file, checked before any board is contacted: a folder or a FIFO there would fail (or
     * hang) the host-key check of every board; a missing file would make every board's key unknown, so it is
     * refused unless new keys are to be accepted, and then its folder is made (private, as ssh makes ~/.ssh)
     * so that the keys can be recorded.
     */
    public static void checkKnownHosts(Path known, boolean acceptNewHostKey) {
        if (Files.exists(known)) {
            InputFiles.requireRegularFile(known, "a known_hosts file");
            return;
        }
        if (!acceptNewHostKey) {
            throw new UserError(known + ": no such file, so no board's host key can be checked; connect to each board once "
                    + "with ssh (which records its key there) or pass --accept-new-host-key");
        }
        Path dir = known.toAbsolutePath().getParent();
        if (dir == null || Files.isDirectory(dir)) return;
        try {
            Files.createDirectories(dir, java.nio.file.attribute.PosixFilePermissions.asFileAttribute(
                    java.nio.file.attribute.PosixFilePermissions.fromString("rwx------")));
        } catch (IOException | UnsupportedOperationException e) {
            throw new UserError("cannot create " + dir + " to record host keys in " + known + ": "
                    + (e instanceof IOException io ? org.edgetorch.util.AtomicFiles.reason(io) : e.getMessage()));
        }
    }

    private static String askPassphrase(org.apache.sshd.common.session.SessionContext session,
                                        org.apache.sshd.common.NamedResource resource, int retry) throws IOException {
        Console c = System.console();
        if (c == null || retry > 2) {
            throw new IOException("the key " + resource.getName() + " has a passphrase and there is no terminal to ask it on");
        }
        char[] p = c.readPassword("passphrase for %s: ", resource.getName());
        return p == null ? null : new String(p);
    }

    /** An authenticated session to the host; failures name the step ({@code connect}) and the reason. */
    public ClientSession open(Host host) {
        ClientSession s;
        try {
            s = client.connect(host.user(), host.name(), host.port()).verify(timeout).getSession();
        } catch (IOException e) {
            throw new StepFailure("connect", connectReason(host, e), e);
        }
        try {
            s.auth().verify(timeout);
            return s;
        } catch (IOException e) {
            String unknown = s.getAttribute(UNKNOWN_KEY), changed = s.getAttribute(CHANGED_KEY);
            s.close(true);
            if (changed != null) {
                throw new StepFailure("connect", "the host key (" + changed + ") differs from the one in " + knownHosts
                        + ": refused (if the board was reinstalled, remove its old line with ssh-keygen -R)", e);
            }
            if (unknown != null) {
                throw new StepFailure("connect", "unknown host key " + unknown + ": not in " + knownHosts
                        + "; refused (connect once with ssh to check and record it, or pass --accept-new-host-key)", e);
            }
            throw new StepFailure("connect", "authentication failed for " + host.user() + " with " + keyNames()
                    + " (" + reason(e) + ")", e);
        }
    }

    private String keyNames() {
        List<String> n = new ArrayList<>();
        for (Path p : identities) n.add(p.toString());
        return "key " + String.join(", ", n);
    }

    private String connectReason(Host host, IOException e) {
        for (Throwable t = e; t != null; t = t.getCause()) {
            // a name that does not resolve comes as NIO's UnresolvedAddressException from MINA's connector
            if (t instanceof UnknownHostException || t instanceof java.nio.channels.UnresolvedAddressException) {
                return "unknown host " + host.name();
            }
            if (t instanceof ConnectException) return "connection refused on port " + host.port();
            if (t instanceof NoRouteToHostException) return "no route to " + host.name();
        }
        return "cannot connect to port " + host.port() + " within " + timeout.toSeconds() + " s (" + reason(e) + ")";
    }

    static String reason(Throwable e) {
        Throwable root = e;
        while (root.getCause() != null && root.getCause() != root) root = root.getCause();
        String m = root.getMessage();
        return m == null || m.isBlank() ? root.getClass().getSimpleName() : m.strip();
    }

    @Override
    public void close() {
        try {
            client.stop();
        } catch (RuntimeException ignored) {
            // closing: nothing to report
        }
    }
}
