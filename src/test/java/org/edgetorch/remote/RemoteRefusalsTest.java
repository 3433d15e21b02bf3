package org.edgetorch.remote;

import org.edgetorch.CliRun;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;

import static org.junit.jupiter.api.Assertions.*;

/**
 * {@code remote} refuses bad keys and known_hosts files before anything runs (no reference benchmark, no
 * connection, no report folder): one line naming the file, exit 1, within seconds, even for a FIFO.
 */
class RemoteRefusalsTest {
    @TempDir
    static Path dir;
    static Path identity, knownHosts, models;

    @BeforeAll
    static void fixture() throws IOException {
        identity = dir.resolve("id_test");
        LoopbackSshServer.clientKey(identity);
        knownHosts = Files.writeString(dir.resolve("known_hosts"), "");
        models = Files.createDirectories(dir.resolve("models"));
        Files.write(models.resolve("m.onnx"), new byte[]{1, 2, 3});
    }

    private static CliRun remote(String key, String known, String... extra) {
        List<String> a = new ArrayList<>(List.of("remote", "--host", "tester@127.0.0.1:1", "--identity", key,
                "--known-hosts", known, "--models", models.toString(), "--out", dir.resolve("report").toString()));
        a.addAll(List.of(extra));
        return assertTimeoutPreemptively(Duration.ofSeconds(60), () -> CliRun.of(a.toArray(String[]::new)));
    }

    private static void assertRefused(CliRun r, String line) {
        assertEquals(1, r.code(), r.err());
        assertEquals(List.of(line), r.err().lines().toList(), "one line, before anything ran");
        assertFalse(Files.exists(dir.resolve("report")));
    }

    @Test
    void badKeyFilesAreRefusedByWhatTheyAre() throws Exception {
        Path folder = Files.createDirectories(dir.resolve("keys"));
        assertRefused(remote(folder.toString(), knownHosts.toString()),
                "edgetorch: --identity " + folder + ": is a directory, not a regular file; expected a key file");
        Path fifo = dir.resolve("key-fifo");
        assertEquals(0, new ProcessBuilder("mkfifo", fifo.toString()).start().waitFor());
        assertRefused(remote(fifo.toString(), knownHosts.toString()),
                "edgetorch: --identity " + fifo + ": is a FIFO (named pipe), not a regular file; expected a key file");
        Path garbage = Files.writeString(dir.resolve("garbage"), "not a key\n");
        assertRefused(remote(garbage.toString(), knownHosts.toString()),
                "edgetorch: --identity " + garbage + ": not a private key file (expected OpenSSH, PEM or PKCS#8, as ssh-keygen writes)");
        Path pub = Files.writeString(dir.resolve("id_test.pub"), "ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIDummy user@host\n");
        assertRefused(remote(pub.toString(), knownHosts.toString()),
                "edgetorch: --identity " + pub + ": is a public key; pass the private key file (the one without .pub)");
        Path missing = dir.resolve("no-such-key");
        assertRefused(remote(missing.toString(), knownHosts.toString()), "edgetorch: --identity " + missing + ": no such file");
    }

    @Test
    void aMissingOrSpecialKnownHostsFileIsRefused() throws Exception {
        Path missing = dir.resolve("no-such-known-hosts");
        assertRefused(remote(identity.toString(), missing.toString()),
                "edgetorch: " + missing + ": no such file, so no board's host key can be checked; connect to each board once "
                        + "with ssh (which records its key there) or pass --accept-new-host-key");
        Path fifo = dir.resolve("known-fifo");
        assertEquals(0, new ProcessBuilder("mkfifo", fifo.toString()).start().waitFor());
        assertRefused(remote(identity.toString(), fifo.toString()),
                "edgetorch: " + fifo + ": is a FIFO (named pipe), not a regular file; expected a known_hosts file");
    }

    /** A host name that does not resolve is named so (it was "cannot connect to port 22 within 20 s"). */
    @Test
    void aHostThatDoesNotResolveIsAnUnknownHost() throws Exception {
        Path tiny = tinyModels();
        CliRun r = CliRun.of("remote", "--host", "tester@no-such-board.invalid", "--identity", identity.toString(),
                "--known-hosts", knownHosts.toString(), "--models", tiny.toString(), "--shape", "1,3,8,8", "--warmup", "1",
                "--runs", "1", "--min-time", "0", "--out", dir.resolve("report-unknown").toString());
        assertEquals(1, r.code(), r.err());
        assertTrue(r.err().lines().anyMatch(l -> l.equals("edgetorch: tester@no-such-board.invalid: connect: unknown host no-such-board.invalid")),
                r.err());
    }

    private static Path tinyModels() throws IOException {
        Path tiny = dir.resolve("tiny");
        if (Files.isDirectory(tiny)) return tiny;
        Files.createDirectories(tiny);
        try (var in = RemoteRefusalsTest.class.getResourceAsStream("/org/edgetorch/runtime/tiny_cnn.onnx")) {
            Files.write(tiny.resolve("tiny_cnn.onnx"), in.readAllBytes());
        }
        return tiny;
    }

    /** With --accept-new-host-key, a known_hosts file in a folder that does not exist yet gets its folder. */
    @Test
    void acceptingNewKeysMakesTheKnownHostsFolder() throws Exception {
        Path known = dir.resolve("new-ssh").resolve("known_hosts");
        Path tiny = tinyModels();
        try (LoopbackSshServer s = new LoopbackSshServer(dir.resolve("board"), LoopbackSshServer.clientKey(identity).getPublic(), null)) {
            // --java that is not there: the run stops at the board's check, after the key was recorded
            CliRun r = CliRun.of("remote", "--host", RemoteCommandTest.host(s), "--accept-new-host-key", "--identity", identity.toString(),
                    "--known-hosts", known.toString(), "--java", "no-such-java-here", "--models", tiny.toString(),
                    "--jar", RemoteCommandTest.launcherJar(dir.resolve("launcher.jar")).toString(),
                    "--shape", "1,3,8,8", "--warmup", "1", "--runs", "3", "--min-time", "0", "--out", dir.resolve("report-accept").toString());
            assertEquals(1, r.code(), r.err());
            assertTrue(r.err().contains(": check: no Java: "), r.err());
            assertTrue(Files.readString(known).contains("127.0.0.1]:" + s.port()), "the key was recorded");
        }
    }
}
