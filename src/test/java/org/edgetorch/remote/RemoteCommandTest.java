package org.edgetorch.remote;

import com.google.gson.JsonArray;
import com.google.gson.JsonObject;
import org.apache.sshd.server.session.ServerSession;
import org.apache.sshd.sftp.server.FileHandle;
import org.apache.sshd.sftp.server.SftpEventListener;
import org.edgetorch.CliRun;
import org.edgetorch.util.Json;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.File;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.KeyPair;
import java.util.ArrayList;
import java.util.List;
import java.util.jar.Attributes;
import java.util.jar.JarOutputStream;
import java.util.jar.Manifest;
import java.util.stream.Stream;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * {@code edgetorch remote} against real SSH servers on the loopback address (Apache MINA SSHD's server
 * classes, see {@link LoopbackSshServer}): this x86 machine plays the boards, running a launcher jar of the
 * test class path with the local java, on the ONNX fixture. The whole flow runs for real: host-key check,
 * key authentication, check, SFTP copies with the SHA-256 skip, bench on the board, fetch, compare, report;
 * and the faults: unknown host key, refused key, refused connection, connection dropped mid-copy, a full disk.
 */
class RemoteCommandTest {
    @TempDir
    static Path dir;
    static Path models, jar, identity, knownHosts;
    static KeyPair clientKey;

    @BeforeAll
    static void fixture() throws IOException {
        models = Files.createDirectories(dir.resolve("models"));
        try (InputStream in = RemoteCommandTest.class.getResourceAsStream("/org/edgetorch/runtime/tiny_cnn.onnx")) {
            Files.write(models.resolve("tiny_cnn.onnx"), in.readAllBytes());
        }
        jar = launcherJar(dir.resolve("edgetorch-launcher.jar"));
        identity = dir.resolve("id_test");
        clientKey = LoopbackSshServer.clientKey(identity);
        knownHosts = dir.resolve("known_hosts");
    }

    /** A jar whose manifest runs edgetorch's Main on this test's class path: `java -jar` on the "board" works as with the real jar. */
    static Path launcherJar(Path target) throws IOException {
        Manifest mf = new Manifest();
        mf.getMainAttributes().put(Attributes.Name.MANIFEST_VERSION, "1.0");
        mf.getMainAttributes().put(Attributes.Name.MAIN_CLASS, "org.edgetorch.cli.Main");
        List<String> cp = new ArrayList<>();
        for (String e : System.getProperty("java.class.path").split(File.pathSeparator)) {
            if (!e.isBlank()) cp.add(Path.of(e).toAbsolutePath().toUri().toString());
        }
        mf.getMainAttributes().put(Attributes.Name.CLASS_PATH, String.join(" ", cp));
        try (OutputStream out = Files.newOutputStream(target); JarOutputStream j = new JarOutputStream(out, mf)) {
            j.flush();
        }
        return target;
    }

    static String javaCommand() {
        return Path.of(System.getProperty("java.home"), "bin", "java").toString();
    }

    static List<String> args(Path out, String... extra) {
        List<String> a = new ArrayList<>(List.of("remote", "--identity", identity.toString(), "--known-hosts", knownHosts.toString(),
                "--jar", jar.toString(), "--java", javaCommand() + " -XX:TieredStopAtLevel=1", "--models", models.toString(),
                "--shape", "1,3,8,8", "--warmup", "1", "--runs", "3", "--min-time", "0", "--out", out.toString()));
        a.addAll(List.of(extra));
        return a;
    }

    static String host(LoopbackSshServer s) {
        return "tester@127.0.0.1:" + s.port();
    }

    static void trust(LoopbackSshServer... servers) throws IOException {
        StringBuilder b = new StringBuilder();
        for (LoopbackSshServer s : servers) b.append(s.knownHostsLine()).append('\n');
        Files.writeString(knownHosts, b.toString());
    }

    static List<Path> leftovers(Path home) throws IOException {
        Path d = home.resolve(".edgetorch/remote");
        if (!Files.exists(d)) return List.of();
        try (Stream<Path> w = Files.walk(d)) {
            return w.filter(p -> p.getFileName().toString().contains(".part-") || p.getFileName().toString().startsWith("session-")).toList();
        }
    }

    @Test
    void twoBoardsRunTheModelAndCompareWithThisMachineThenTheCopiesAreSkipped() throws IOException {
        try (LoopbackSshServer a = new LoopbackSshServer(dir.resolve("board-a"), clientKey.getPublic(), null);
             LoopbackSshServer b = new LoopbackSshServer(dir.resolve("board-b"), clientKey.getPublic(), null)) {
            trust(a, b);
            Path out = dir.resolve("report-two");
            List<String> cmd = args(out, "--host", host(a), "--host", host(b));
            CliRun r = CliRun.of(cmd.toArray(String[]::new));
            assertEquals(0, r.code(), r.err());
            assertTrue(r.err().contains("remote: " + host(a) + ": copy: edgetorch.jar"), r.err());
            assertTrue(r.err().contains("remote: " + host(b) + ": run: "), r.err());

            JsonObject j = Json.parse(Files.readString(out.resolve("report.json"))).getAsJsonObject();
            assertEquals("edgetorch.remote/1", j.get("schema").getAsString());
            assertEquals("here", j.getAsJsonObject("reference").get("source").getAsString());
            JsonArray hosts = j.getAsJsonArray("hosts");
            assertEquals(2, hosts.size());
            String localSha = HostRun.sha256(models.resolve("tiny_cnn.onnx"));
            for (int i = 0; i < 2; i++) {
                JsonObject h = hosts.get(i).getAsJsonObject();
                assertEquals("ok", h.get("status").getAsString(), h.toString());
                assertEquals(System.getProperty("os.arch"), h.get("arch").getAsString());
                JsonObject v = h.getAsJsonObject("comparison").getAsJsonArray("variants").get(0).getAsJsonObject();
                assertEquals("tiny_cnn.onnx", v.get("name").getAsString());
                // Same machine, same ONNX Runtime, same bits in: the outputs must be bit-identical.
                assertEquals(0.0, v.getAsJsonObject("model").get("max_abs_diff").getAsDouble());
                assertTrue(v.getAsJsonObject("latency").get("other_median_ms").getAsDouble() > 0);
                for (var c : h.getAsJsonArray("copies")) assertFalse(c.getAsJsonObject().get("skipped").getAsBoolean(), c.toString());
            }
            // The board holds the exact files, under their real names, and nothing of the session.
            for (LoopbackSshServer s : List.of(a, b)) {
                Path model = s.home().resolve(".edgetorch/remote/models/tiny_cnn.onnx");
                assertEquals(localSha, HostRun.sha256(model));
                assertEquals(HostRun.sha256(jar), HostRun.sha256(s.home().resolve(".edgetorch/remote/edgetorch.jar")));
                assertEquals(List.of(), leftovers(s.home()));
            }
            assertTrue(Files.size(out.resolve("latency.png")) > 1000);
            assertTrue(Files.exists(out.resolve("io/reference.json")));
            String md = Files.readString(out.resolve("report.md"));
            assertTrue(md.contains("| " + host(a) + " | ok |"), md);
            assertTrue(md.contains("![Latency per board and variant](latency.png)"), md);

            // Again on board a, with the first run's reference file instead of benchmarking here: the jar and the
            // model are already there (same SHA-256), so only the inputs go.
            Path again = dir.resolve("report-again");
            CliRun r2 = CliRun.of(args(again, "--host", host(a), "--reference", out.resolve("io/reference.json").toString())
                    .toArray(String[]::new));
            assertEquals(0, r2.code(), r2.err());
            assertFalse(r2.err().contains("remote: reference: benchmarking"), r2.err());
            assertTrue(r2.err().contains("copy: edgetorch.jar: already there (same SHA-256)"), r2.err());
            JsonObject j2 = Json.parse(Files.readString(again.resolve("report.json"))).getAsJsonObject();
            assertEquals("file", j2.getAsJsonObject("reference").get("source").getAsString());
            assertEquals(Files.readString(out.resolve("io/reference.json")), Files.readString(again.resolve("io/reference.json")));
            JsonArray copies = j2.getAsJsonArray("hosts").get(0).getAsJsonObject().getAsJsonArray("copies");
            for (var c : copies) {
                JsonObject o = c.getAsJsonObject();
                assertEquals(!o.get("file").getAsString().equals("reference inputs"), o.get("skipped").getAsBoolean(), o.toString());
            }
        }
    }

    @Test
    void eachFaultIsOneLineNamingHostAndStepWhileTheGoodBoardCompletes() throws IOException {
        Path otherKeyFile = dir.resolve("id_other");
        KeyPair otherKey = LoopbackSshServer.clientKey(otherKeyFile);
        LoopbackSshServer[] dropping = new LoopbackSshServer[1];
        SftpEventListener killOnJarWrite = new SftpEventListener() {
            @Override
            public void writing(ServerSession session, String remoteHandle, FileHandle local, long offset, byte[] data, int dataOffset,
                                int dataLen) {
                if (!local.getFile().getFileName().toString().startsWith("edgetorch.jar.part-")) return;
                Thread killer = new Thread(dropping[0]::kill);
                killer.start();
                try {
                    killer.join(5000);  // the write never completes: the server is gone first
                } catch (InterruptedException ignored) {
                    Thread.currentThread().interrupt();
                }
            }
        };
        // A disk that fills up during the copy: the write fails, and then df says there is no room left.
        Path fullHome = dir.resolve("f-full");
        SftpEventListener diskFull = new SftpEventListener() {
            @Override
            public void writing(ServerSession session, String remoteHandle, FileHandle local, long offset, byte[] data, int dataOffset,
                                int dataLen) throws IOException {
                fullDisk(fullHome, 0);
                throw new IOException("No space left on device");
            }
        };
        // A disk already full: the room needed is checked before anything is sent.
        Path almostFullHome = dir.resolve("f-almost-full");
        fullDisk(almostFullHome, 1);
        try (LoopbackSshServer good = new LoopbackSshServer(dir.resolve("f-good"), clientKey.getPublic(), null);
             LoopbackSshServer unknown = new LoopbackSshServer(dir.resolve("f-unknown"), clientKey.getPublic(), null);
             LoopbackSshServer otherKeyOnly = new LoopbackSshServer(dir.resolve("f-key"), otherKey.getPublic(), null);
             LoopbackSshServer drop = new LoopbackSshServer(dir.resolve("f-drop"), clientKey.getPublic(), killOnJarWrite);
             LoopbackSshServer full = new LoopbackSshServer(fullHome, clientKey.getPublic(), diskFull);
             LoopbackSshServer almostFull = new LoopbackSshServer(almostFullHome, clientKey.getPublic(), null);
             LoopbackSshServer closed = new LoopbackSshServer(dir.resolve("f-closed"), clientKey.getPublic(), null)) {
            dropping[0] = drop;
            trust(good, otherKeyOnly, drop, full, almostFull, closed);  // not `unknown`
            String closedHost = host(closed);
            closed.kill();  // nothing listens on its port any more
            Path out = dir.resolve("report-faults");
            CliRun r = CliRun.of(args(out, "--host", host(good), "--host", host(unknown), "--host", host(otherKeyOnly),
                    "--host", host(drop), "--host", host(full), "--host", host(almostFull), "--host", closedHost, "--parallel", "3")
                    .toArray(String[]::new));
            assertEquals(1, r.code(), r.err());
            List<String> lines = r.err().lines().filter(l -> l.startsWith("edgetorch: ")).toList();
            assertEquals(6, lines.size(), r.err());
            assertTrue(lines.contains("edgetorch: " + host(unknown) + ": connect: unknown host key " + keyLine(unknown)
                    + ": not in " + knownHosts + "; refused (connect once with ssh to check and record it, or pass --accept-new-host-key)"),
                    r.err());
            assertOne(lines, host(otherKeyOnly) + ": connect: authentication failed for tester with key " + identity);
            assertOne(lines, host(drop) + ": copy: edgetorch.jar: connection lost");
            assertOne(lines, host(full) + ": copy: edgetorch.jar: no space left on the board (0.0 MB free in ~/.edgetorch/remote, the file needs ");
            assertOne(lines, host(almostFull) + ": copy: disk full: ");
            assertOne(lines, closedHost + ": connect: connection refused on port " + closedHost.substring(closedHost.lastIndexOf(':') + 1));
            assertFalse(r.err().contains("Exception"), r.err());

            JsonArray hosts = Json.parse(Files.readString(out.resolve("report.json"))).getAsJsonObject().getAsJsonArray("hosts");
            assertEquals("ok", hosts.get(0).getAsJsonObject().get("status").getAsString());
            assertNotNull(hosts.get(0).getAsJsonObject().get("comparison").getAsJsonObject());
            for (int i = 1; i < hosts.size(); i++) assertEquals("failed", hosts.get(i).getAsJsonObject().get("status").getAsString());
            // Nothing half-copied under a real name; the full board's temporary file is gone too.
            assertFalse(Files.exists(drop.home().resolve(".edgetorch/remote/edgetorch.jar")));
            assertFalse(Files.exists(full.home().resolve(".edgetorch/remote/edgetorch.jar")));
            assertEquals(List.of(), leftovers(full.home()));
            // The unknown key was not recorded.
            assertFalse(Files.readString(knownHosts).contains("]:" + unknown.port() + " "));
        }
    }

    @Test
    void acceptNewHostKeyRecordsTheKeyInKnownHosts() throws IOException {
        try (LoopbackSshServer s = new LoopbackSshServer(dir.resolve("accept"), clientKey.getPublic(), null)) {
            Files.writeString(knownHosts, "");
            Path out = dir.resolve("report-accept");
            // --java that is not there: the run stops at check, after the key was accepted and recorded.
            List<String> a = args(out, "--host", host(s), "--accept-new-host-key");
            a.set(a.indexOf("--java") + 1, "no-such-java-here");
            CliRun r = CliRun.of(a.toArray(String[]::new));
            assertEquals(1, r.code(), r.err());
            assertTrue(r.err().contains("edgetorch: " + host(s) + ": check: no Java: 'no-such-java-here -version' failed: "), r.err());
            String known = Files.readString(knownHosts);
            assertTrue(known.contains("127.0.0.1]:" + s.port()), known);
            assertTrue(known.contains(s.knownHostsLine().split(" ")[2]), known);
        }
    }

    /** The board's df reports {@code kb} KB free: how a test board has a full disk without filling this machine's. */
    static void fullDisk(Path home, int kb) throws IOException {
        Path df = Files.createDirectories(home.resolve("bin")).resolve("df");
        Files.writeString(df, "#!/bin/sh\necho 'Filesystem 1024-blocks Used Available Capacity Mounted on'\n"
                + "echo '/dev/mmcblk0p2 30000000 30000000 " + kb + " 100% /'\n");
        df.toFile().setExecutable(true);
    }

    private static String keyLine(LoopbackSshServer s) {
        try {
            var key = org.apache.sshd.common.config.keys.PublicKeyEntry.parsePublicKeyEntry(
                    s.knownHostsLine().substring(s.knownHostsLine().indexOf(' ') + 1)).resolvePublicKey(null, null, null);
            return org.apache.sshd.common.config.keys.KeyUtils.getKeyType(key) + " " + org.apache.sshd.common.config.keys.KeyUtils.getFingerPrint(key);
        } catch (Exception e) {
            throw new AssertionError(e);
        }
    }

    private static void assertOne(List<String> lines, String prefix) {
        assertEquals(1, lines.stream().filter(l -> l.startsWith("edgetorch: " + prefix)).count(), prefix + " in " + lines);
    }
}
