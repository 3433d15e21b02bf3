package org.edgetorch.cli;

import org.edgetorch.bench.BenchOptions;
import org.edgetorch.crosscheck.Bounds;
import org.edgetorch.crosscheck.CrossComparison;
import org.edgetorch.crosscheck.IoFile;
import org.edgetorch.remote.BenchPlan;
import org.edgetorch.remote.Fleet;
import org.edgetorch.remote.Host;
import org.edgetorch.remote.HostResult;
import org.edgetorch.remote.HostRun;
import org.edgetorch.remote.RemoteJson;
import org.edgetorch.remote.SshAccess;
import org.edgetorch.study.RemoteChart;
import org.edgetorch.study.RemoteMarkdown;
import org.edgetorch.study.ReportFolder;
import org.edgetorch.study.StudyReport;
import org.edgetorch.util.AtomicFiles;
import org.edgetorch.util.UserError;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

import java.io.IOException;
import java.io.PrintWriter;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.SecureRandom;
import java.time.Duration;
import java.time.ZoneOffset;
import java.time.ZonedDateTime;
import java.time.format.DateTimeFormatter;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.HexFormat;
import java.util.List;
import java.util.Locale;
import java.util.Set;
import java.util.concurrent.Callable;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;

/**
 * {@code edgetorch remote}: the study's model files on ARM boards over SSH, each compared with this machine.
 * The reference is benchmarked here first (or read from {@code --reference}); then, for each host in
 * parallel (at most {@code --parallel}), {@link HostRun} checks the board, copies, runs and fetches; last,
 * one report folder (report.md, report.json, latency.png, the io files) appears whole.
 */
@Command(name = "remote", mixinStandardHelpOptions = true, sortOptions = false,
        description = {"Run the model files on ARM boards over SSH and compare each board with this machine.",
                "For each --host (in parallel): check the board (architecture, Java, runtimes), copy the edgetorch jar and the models",
                "(skipped when the board's copy has the same SHA-256), run `bench --save-io --replay` there on this machine's inputs,",
                "fetch the result; then one report: results/remote-<UTC time>/ (report.md, report.json " + RemoteJson.SCHEMA
                        + ", latency.png). Progress on stderr. Exits 1 when a host failed or a board's outputs are beyond the bounds."})
public final class RemoteCommand implements Callable<Integer> {

    @Option(names = "--host", required = true, paramLabel = "USER@HOST",
            description = "A board, as user@host or user@host:port (the user defaults to yours); repeat for a fleet.")
    List<String> hosts;

    @Option(names = "--port", paramLabel = "N", description = "SSH port of every host that names none (default: ${DEFAULT-VALUE}).")
    int port = 22;

    @Option(names = "--identity", paramLabel = "KEY",
            description = "Private key file; repeat to offer several (default: ~/.ssh/id_ed25519, id_ecdsa, id_rsa, those that exist). "
                    + "A passphrase is asked on the terminal.")
    List<Path> identities;

    @Option(names = "--known-hosts", paramLabel = "FILE", description = "Host keys to check the boards against (default: ~/.ssh/known_hosts).")
    Path knownHosts;

    @Option(names = "--accept-new-host-key",
            description = "Accept a host whose key is not in --known-hosts yet, and record it there (a changed key is always refused).")
    boolean acceptNewHostKey;

    @Option(names = "--jar", paramLabel = "JAR",
            description = "The edgetorch jar to run on the boards (default: target/edgetorch.jar when built for the board's platform, "
                    + "as by the README's arm64 cross-build, else the running jar when it is).")
    Path jar;

    @Option(names = "--java", paramLabel = "CMD", description = "How the board runs Java, a shell command prefix (default: ${DEFAULT-VALUE}).")
    String java = "java";

    @Option(names = "--models", paramLabel = "DIR", description = "Folder of the model files (default: ${DEFAULT-VALUE}).")
    Path modelsDir = Path.of("models");

    @Option(names = "--model", paramLabel = "FILE",
            description = "A model file to run (a path, or a name in --models); repeat. Default: every .pt, .ptl and .onnx file in --models.")
    List<String> modelNames;

    @Option(names = "--reference", paramLabel = "X86.json",
            description = "Use this --save-io file (from `bench --save-io` on the same models and --shape) as the reference "
                    + "instead of benchmarking here.")
    Path reference;

    @Option(names = "--shape", paramLabel = "N,C,H,W", description = "Shape of the dummy input (default: ${DEFAULT-VALUE}).")
    String shape = "1,3,224,224";

    @Option(names = "--warmup", paramLabel = "N", description = "Warm-up runs per model (default: ${DEFAULT-VALUE}).")
    int warmup = BenchOptions.DEFAULT_WARMUP_RUNS;

    @Option(names = "--runs", paramLabel = "N", description = "Measured runs per model, at least (default: ${DEFAULT-VALUE}).")
    int runs = BenchOptions.DEFAULT_RUNS;

    @Option(names = "--min-time", paramLabel = "S", description = "Keep measuring until each model has run S seconds (default: ${DEFAULT-VALUE}).")
    double minTime = BenchOptions.DEFAULT_MIN_SECONDS;

    @Option(names = "--threads", paramLabel = "N", description = "Intra-op threads, here and on the boards (default: ${DEFAULT-VALUE}).")
    int threads = 1;

    @Option(names = "--parallel", paramLabel = "N", description = "Hosts worked on at once (default: ${DEFAULT-VALUE}).")
    int parallel = 4;

    @Option(names = "--connect-timeout", paramLabel = "S", description = "Seconds to connect and authenticate (default: ${DEFAULT-VALUE}).")
    int connectTimeout = 20;

    @Option(names = "--out", paramLabel = "DIR",
            description = "Report folder (default: results/remote-<UTC time>, with results/latest-remote linking to the newest).")
    Path out;

    @Option(names = "--no-check", description = "Outputs beyond the bounds do not fail the run (a failed host still does).")
    boolean noCheck;

    @CommandLine.Spec
    CommandLine.Model.CommandSpec spec;

    static final String LATEST = "latest-remote";
    static final List<String> MODEL_EXTENSIONS = List.of(".pt", ".ptl", ".onnx");

    @Override
    public Integer call() {
        PrintWriter err = spec.commandLine().getErr();
        PrintWriter stdout = spec.commandLine().getOut();
        // Everything checkable here is checked before any board is contacted.
        if (parallel < 1) throw new UserError("--parallel must be at least 1, got " + parallel);
        if (connectTimeout < 1) throw new UserError("--connect-timeout must be at least 1 second, got " + connectTimeout);
        if (java.isBlank()) throw new UserError("--java: empty command");
        List<Host> targets = new ArrayList<>();
        Set<String> seen = new HashSet<>();
        for (String h : hosts) {
            Host host = Host.parse(h, port, System.getProperty("user.name"));
            if (!seen.add(host.label())) throw new UserError("--host " + host.label() + " is given twice");
            targets.add(host);
        }
        Path home = Path.of(System.getProperty("user.home"));
        Path known = knownHosts != null ? knownHosts : home.resolve(".ssh/known_hosts");
        List<Path> keys = SshAccess.identities(identities, home.resolve(".ssh"));
        SshAccess.checkKnownHosts(known, acceptNewHostKey);
        if (jar != null && !Files.isRegularFile(jar)) throw new UserError("--jar " + jar + ": no such file");
        if (reference != null && !Files.isRegularFile(reference)) throw new UserError("--reference " + reference + ": no such file");
        List<Path> models = models();
        BenchPlan plan = new BenchPlan(shape, warmup, runs, minTime, threads);

        ZonedDateTime now = ZonedDateTime.now(ZoneOffset.UTC);
        Path target = out != null ? out : StudyReport.defaultFolder("remote", now);
        Fleet fleet;
        List<String> charts;
        try (ReportFolder folder = ReportFolder.prepare(target)) {
            Path ioDir = folder.staging().resolve("io");
            Path refIo = ioDir.resolve("reference.json");
            IoFile ref;
            if (reference != null) {
                ref = IoFile.read(reference);
                AtomicFiles.write(refIo, tmp -> Files.copy(reference, tmp));
                err.println("remote: reference: " + reference);
            } else {
                err.println("remote: reference: benchmarking " + models.size() + " model file(s) here");
                err.flush();
                ref = plan.runReference(models, refIo, msg -> {
                    err.println("remote: reference: " + msg);
                    err.flush();
                });
            }
            HostRun.Plan hostPlan = new HostRun.Plan(java, jar, jarCandidates(), models, refIo, plan.args());
            String session = now.format(DateTimeFormatter.ofPattern("yyyyMMdd-HHmmss")) + "-" + randomHex();
            List<HostResult> results = runHosts(targets, keys, known, hostPlan, ioDir, session, err);

            Bounds bounds = Bounds.DEFAULT;
            List<Fleet.Entry> entries = new ArrayList<>();
            for (HostResult r : results) {
                CrossComparison.Result cmp = null;
                String ioName = null;
                if (r.ioFile() != null) {
                    ioName = "io/" + r.ioFile().getFileName();
                    try {
                        cmp = CrossComparison.compare(ref, IoFile.read(r.ioFile()), bounds);
                    } catch (UserError e) {
                        r = new HostResult(r.host(), "compare", e.getMessage(), r.arch(), r.java(), r.info(), r.infoError(),
                                r.copies(), r.ioFile(), r.seconds());
                    }
                }
                entries.add(new Fleet.Entry(r, cmp, ioName));
            }
            fleet = new Fleet(now.toString(), new VersionProvider().getVersion()[0], reference == null ? "here" : "file",
                    reference == null ? null : reference.toString(), ref, plan, models, bounds, entries);
            charts = RemoteChart.write(fleet, folder.staging());
            AtomicFiles.writeString(folder.staging().resolve(StudyReport.JSON), RemoteJson.write(fleet, charts));
            AtomicFiles.writeString(folder.staging().resolve(StudyReport.MARKDOWN), RemoteMarkdown.render(fleet, charts));
            folder.commit();
        }
        boolean linked = out == null && StudyReport.linkLatest(target, LATEST);

        int failed = 0, beyond = 0;
        for (Fleet.Entry e : fleet.hosts()) {
            HostResult r = e.result();
            if (!r.ok()) {
                failed++;
                err.println("edgetorch: " + r.host().label() + ": " + r.failedStep() + ": " + r.reason());
            } else if (e.anyNotRun()) {
                failed++;
                for (String p : e.problems()) err.println("edgetorch: " + r.host().label() + ": " + p);
            } else if (!e.problems().isEmpty()) {
                beyond++;
                for (String p : e.problems()) err.println((noCheck ? "remote: " : "edgetorch: ") + r.host().label() + ": " + p);
            }
        }
        err.flush();
        long compared = fleet.hosts().stream().filter(e -> e.comparison() != null).count();
        stdout.printf(Locale.ROOT, "%d of %d host(s) compared%s%n", compared, fleet.hosts().size(),
                failed > 0 ? ", " + failed + " failed" : "");
        stdout.println("report: " + target.resolve(StudyReport.MARKDOWN) + (linked ? " (also " + target.resolveSibling(LATEST) + ")" : ""));
        stdout.println("        " + target.resolve(StudyReport.JSON));
        stdout.flush();
        return failed > 0 || (beyond > 0 && !noCheck) ? 1 : 0;
    }

    private List<HostResult> runHosts(List<Host> targets, List<Path> keys, Path known, HostRun.Plan plan, Path ioDir, String session,
                                      PrintWriter err) {
        List<HostResult> results = new ArrayList<>();
        ExecutorService pool = Executors.newFixedThreadPool(Math.min(parallel, targets.size()), r -> {
            Thread t = new Thread(r, "remote-host");
            t.setDaemon(true);
            return t;
        });
        try (SshAccess ssh = new SshAccess(known, acceptNewHostKey, keys, Duration.ofSeconds(connectTimeout))) {
            List<Future<HostResult>> futures = new ArrayList<>();
            for (Host h : targets) {
                Path io = ioDir.resolve(h.label().replaceAll("[^A-Za-z0-9._@-]", "_") + ".json");
                HostRun run = new HostRun(h, ssh, plan, io, session, (step, msg) -> {
                    synchronized (err) {
                        err.println("remote: " + h.label() + ": " + step + ": " + msg);
                        err.flush();
                    }
                });
                futures.add(pool.submit(run::run));
            }
            for (int i = 0; i < futures.size(); i++) {
                try {
                    results.add(futures.get(i).get());
                } catch (ExecutionException e) {
                    results.add(new HostResult(targets.get(i), "connect", "unexpected failure: " + e.getCause(), null, null, null, null,
                            List.of(), null, 0));
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                    throw new UserError("interrupted");
                }
            }
        } finally {
            pool.shutdownNow();
        }
        return results;
    }

    /** The model files: --model names (paths, or names in --models), else the model files in --models. */
    private List<Path> models() {
        List<Path> out = new ArrayList<>();
        if (modelNames != null && !modelNames.isEmpty()) {
            for (String n : modelNames) {
                Path p = Path.of(n);
                if (!Files.isRegularFile(p) && !p.isAbsolute()) p = modelsDir.resolve(n);
                if (!Files.isRegularFile(p)) throw new UserError("--model " + n + ": no such file (nor in " + modelsDir + ")");
                out.add(p);
            }
        } else {
            if (!Files.isDirectory(modelsDir)) {
                throw new UserError("--models " + modelsDir + ": no such folder (run `edgetorch study` to make the models, or pass --model FILE)");
            }
            try (DirectoryStream<Path> ds = Files.newDirectoryStream(modelsDir)) {
                for (Path p : ds) {
                    String name = p.getFileName().toString();
                    if (Files.isRegularFile(p) && MODEL_EXTENSIONS.stream().anyMatch(name::endsWith)) out.add(p);
                }
            } catch (IOException e) {
                throw new UserError("--models " + modelsDir + ": cannot read it: " + e.getMessage());
            }
            out.sort(null);
            if (out.isEmpty()) throw new UserError("--models " + modelsDir + ": no .pt, .ptl or .onnx file in it");
        }
        Set<String> names = new HashSet<>();
        for (Path p : out) {
            if (!names.add(p.getFileName().toString())) {
                throw new UserError("two model files are named " + p.getFileName() + ": the boards keep models by file name");
            }
        }
        return out;
    }

    /** The default jars, in order: the cross-built target/edgetorch.jar, then the running jar. */
    static List<Path> jarCandidates() {
        List<Path> c = new ArrayList<>();
        c.add(Path.of("target", "edgetorch.jar"));
        try {
            Path running = Path.of(RemoteCommand.class.getProtectionDomain().getCodeSource().getLocation().toURI());
            if (Files.isRegularFile(running) && running.toString().endsWith(".jar")) c.add(running);
        } catch (Exception e) {
            // no code source (an unusual class loader): only the built jar is a candidate
        }
        return c;
    }

    private static String randomHex() {
        byte[] b = new byte[4];
        new SecureRandom().nextBytes(b);
        return HexFormat.of().formatHex(b);
    }
}
