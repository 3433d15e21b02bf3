package org.edgetorch.remote;

import com.google.gson.JsonParseException;
import org.apache.sshd.client.session.ClientSession;
import org.edgetorch.util.Json;

import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.function.BiConsumer;

/**
 * One board, step by step: connect; check (architecture, Java, which jar fits); copy the jar, the models
 * and the reference's inputs (skipping files whose SHA-256 the board already has); run {@code bench
 * --save-io --replay} there; fetch the io file. Any failure stops this board only, with its step and
 * reason; the session's temporary files on the board are removed in every case.
 */
public final class HostRun {
    /** What every board runs, the same as the reference: one plan for both sides. */
    public record Plan(String javaCommand, Path jar, List<Path> jarCandidates, List<Path> models, Path referenceIo,
                       List<String> benchArgs) {
    }

    private final Host host;
    private final SshAccess ssh;
    private final Plan plan;
    private final Path fetchTo;
    private final BiConsumer<String, String> progress;
    private final String sessionId;

    /**
     * @param fetchTo  where the board's io file goes locally
     * @param progress (step, message) lines for this host
     */
    public HostRun(Host host, SshAccess ssh, Plan plan, Path fetchTo, String sessionId, BiConsumer<String, String> progress) {
        this.host = host;
        this.ssh = ssh;
        this.plan = plan;
        this.fetchTo = fetchTo;
        this.sessionId = sessionId;
        this.progress = progress;
    }

    public HostResult run() {
        long start = System.nanoTime();
        String arch = null, java = null, infoError = null;
        Map<String, Object> info = null;
        List<HostResult.Copy> copies = new ArrayList<>();
        Path io = null;
        try {
            progress.accept("connect", "port " + host.port());
            ClientSession session = ssh.open(host);
            try (Board board = new Board(host, session, sessionId)) {
                try {
                    progress.accept("check", "Java and its architecture");
                    // The JVM's own os.arch, not uname -m: a 32-bit userland on a 64-bit kernel says aarch64 there.
                    Board.Result j = board.exec("check", plan.javaCommand() + " -XshowSettings:properties -version", null);
                    Map<String, String> props = javaProperties(j.errTail());
                    if (j.exit() != 0 || !props.containsKey("os.arch")) {
                        throw new StepFailure("check", "no Java: '" + plan.javaCommand() + " -version' failed: " + j.reason()
                                + " (install a JRE 17+, e.g. apt install openjdk-17-jre-headless, or pass --java CMD)");
                    }
                    arch = props.get("os.arch");
                    java = props.getOrDefault("java.vm.name", "Java") + " " + props.getOrDefault("java.version", "?");
                    int major = javaMajor(props.getOrDefault("java.version", ""));
                    if (major > 0 && major < 17) throw new StepFailure("check", java + " is too old: edgetorch needs Java 17 or newer");
                    String platform = JarChoice.boardPlatform(arch);
                    if (platform == null) {
                        throw new StepFailure("check", "architecture " + arch + ": edgetorch runs on 64-bit boards (aarch64); "
                                + "install a 64-bit OS and Java (e.g. Raspberry Pi OS 64-bit)");
                    }
                    Path jar = JarChoice.choose(platform, plan.jar(), plan.jarCandidates());
                    progress.accept("check", arch + " (" + platform + "), " + java + "; jar " + jar);

                    board.prepare();
                    copies.addAll(copyAll(board, jar));

                    String remoteJar = Board.DIR + "/edgetorch.jar";
                    String jarCmd = plan.javaCommand() + " -jar " + remoteJar;
                    progress.accept("check", "runtimes (edgetorch info)");
                    Board.Result ir = board.exec("check", jarCmd + " info --json", null);
                    if (ir.exit() == 0) {
                        info = parseInfo(ir.out());
                        progress.accept("check", runtimesLine(info));
                    } else {
                        infoError = ir.reason();
                        progress.accept("check", "info failed: " + infoError + " (the benchmark says which variants can run)");
                    }

                    String boardIo = board.sessionDir() + "/board.json";
                    List<String> cmd = new ArrayList<>(List.of(jarCmd, "bench"));
                    for (Path m : plan.models()) {
                        cmd.add("--model");
                        cmd.add(Board.MODELS + "/" + m.getFileName());
                    }
                    for (String a : plan.benchArgs()) cmd.add(Board.quote(a));
                    cmd.addAll(List.of("--save-io", boardIo, "--replay", board.sessionDir() + "/reference.json"));
                    progress.accept("run", "bench on " + plan.models().size() + " model file(s)");
                    Board.Result br = board.exec("run", String.join(" ", cmd), line -> progress.accept("run", line));
                    String runFailure = br.exit() == 0 ? null : br.reason();
                    if (board.exists(boardIo)) {
                        progress.accept("fetch", "io file");
                        board.download(boardIo, fetchTo);
                        io = fetchTo;
                    }
                    if (runFailure != null) throw new StepFailure("run", "bench failed: " + runFailure);
                    if (io == null) throw new StepFailure("fetch", "the board wrote no io file");
                } finally {
                    board.clean();
                }
            }
            return new HostResult(host, null, null, arch, java, info, infoError, copies, io, seconds(start));
        } catch (StepFailure f) {
            progress.accept(f.step(), "failed: " + f.getMessage());
            return new HostResult(host, f.step(), f.getMessage(), arch, java, info, infoError, copies, io, seconds(start));
        } catch (RuntimeException e) {
            // an SSH library failure nobody translated: still one line for this host, the others go on
            return new HostResult(host, "connect", "unexpected failure: " + SshAccess.reason(e), arch, java, info, infoError,
                    copies, io, seconds(start));
        }
    }

    private List<HostResult.Copy> copyAll(Board board, Path jar) {
        record Item(Path local, String remote, String name) {
        }
        List<Item> items = new ArrayList<>();
        items.add(new Item(jar, Board.DIR + "/edgetorch.jar", "edgetorch.jar"));
        for (Path m : plan.models()) items.add(new Item(m, Board.MODELS + "/" + m.getFileName(), m.getFileName().toString()));
        items.add(new Item(plan.referenceIo(), board.sessionDir() + "/reference.json", "reference inputs"));
        List<HostResult.Copy> out = new ArrayList<>();
        List<Item> send = new ArrayList<>();
        long needed = 0;
        for (Item it : items) {
            String sha = sha256(it.local());
            long bytes = size(it.local());
            boolean same = !it.remote().startsWith(board.sessionDir()) && sha.equals(board.sha256(it.remote()));
            out.add(new HostResult.Copy(it.name(), bytes, sha, same));
            if (same) {
                progress.accept("copy", it.name() + ": already there (same SHA-256)");
            } else {
                send.add(it);
                needed += bytes;
            }
        }
        long free = board.freeBytes(Board.DIR);
        if (free >= 0 && needed > free) {
            throw new StepFailure("copy", String.format(Locale.ROOT, "disk full: %.1f MB to copy, %.1f MB free in ~/%s",
                    needed / 1e6, free / 1e6, Board.DIR));
        }
        for (Item it : send) {
            long bytes = size(it.local());
            progress.accept("copy", String.format(Locale.ROOT, "%s (%.1f MB)", it.name(), bytes / 1e6));
            long[] last = {System.nanoTime()};
            board.upload(it.local(), it.remote(), it.name(), sent -> {
                // a 150 MB jar over a Pi's Wi-Fi takes minutes: say how far it is, every 10 s
                if (System.nanoTime() - last[0] > 10_000_000_000L) {
                    last[0] = System.nanoTime();
                    progress.accept("copy", String.format(Locale.ROOT, "%s: %.0f%%", it.name(), 100.0 * sent / Math.max(1, bytes)));
                }
            });
        }
        return out;
    }

    /** {@code key = value} lines of {@code java -XshowSettings:properties}. */
    static Map<String, String> javaProperties(List<String> lines) {
        Map<String, String> out = new java.util.LinkedHashMap<>();
        for (String l : lines) {
            int eq = l.indexOf(" = ");
            if (eq > 0 && l.startsWith("    ") && !l.startsWith("        ")) out.put(l.substring(0, eq).strip(), l.substring(eq + 3).strip());
        }
        return out;
    }

    /** 17 for "17.0.15", 8 for "1.8.0_392"; 0 when unreadable. */
    static int javaMajor(String version) {
        String[] p = version.split("[._+-]");
        try {
            int first = Integer.parseInt(p[0]);
            return first == 1 && p.length > 1 ? Integer.parseInt(p[1]) : first;
        } catch (NumberFormatException e) {
            return 0;
        }
    }

    static Map<String, Object> parseInfo(String json) {
        try {
            @SuppressWarnings("unchecked")
            Map<String, Object> m = Json.read(json.strip(), Map.class);
            return m;
        } catch (JsonParseException | ClassCastException e) {
            return null;
        }
    }

    /** The runtimes line of a board: LibTorch, ONNX Runtime and TFLite as its {@code info} reports them. */
    static String runtimesLine(Map<String, Object> info) {
        if (info == null) return "info said nothing readable";
        List<String> parts = new ArrayList<>();
        parts.add("LibTorch " + info.getOrDefault("libtorch", "none") + " (" + info.getOrDefault("backend", "?") + ")");
        parts.add("ONNX Runtime " + info.getOrDefault("onnxruntime", "none"));
        if (info.containsKey("tflite")) parts.add("TFLite " + info.get("tflite"));
        return String.join(", ", parts);
    }

    /** Hashed once per run, not once per board: the jar is over 100 MB. */
    private static final java.util.concurrent.ConcurrentHashMap<String, String> SHA256 = new java.util.concurrent.ConcurrentHashMap<>();

    static String sha256(Path file) {
        String key;
        try {
            key = file.toAbsolutePath().normalize() + "|" + Files.size(file) + "|" + Files.getLastModifiedTime(file).toMillis();
        } catch (IOException e) {
            throw new StepFailure("copy", file + ": cannot read it (" + e.getMessage() + ")");
        }
        return SHA256.computeIfAbsent(key, k -> hash(file));
    }

    private static String hash(Path file) {
        try (InputStream in = Files.newInputStream(file)) {
            MessageDigest d = MessageDigest.getInstance("SHA-256");
            byte[] buf = new byte[1 << 16];
            for (int n; (n = in.read(buf)) > 0; ) d.update(buf, 0, n);
            return HexFormat.of().formatHex(d.digest());
        } catch (IOException e) {
            throw new StepFailure("copy", file + ": cannot read it (" + e.getMessage() + ")");
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }

    private static long size(Path p) {
        try {
            return Files.size(p);
        } catch (IOException e) {
            throw new StepFailure("copy", p + ": cannot read it (" + e.getMessage() + ")");
        }
    }

    private static double seconds(long start) {
        return (System.nanoTime() - start) / 1e9;
    }
}
