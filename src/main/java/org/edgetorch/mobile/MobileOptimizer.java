package org.edgetorch.mobile;

import org.edgetorch.jit.JitIr;
import com.google.gson.JsonElement;
import com.google.gson.JsonObject;
import org.bytedeco.javacpp.BytePointer;
import org.bytedeco.pytorch.ExtraFilesMap;
import org.bytedeco.pytorch.Graph;
import org.bytedeco.pytorch.IValue;
import org.bytedeco.pytorch.JitModule;
import org.bytedeco.pytorch.StringVectorOptional;
import org.bytedeco.pytorch.global.torch;
import org.edgetorch.backend.Backend;
import org.edgetorch.backend.Backends;
import org.edgetorch.backend.BytedecoBackend;
import org.edgetorch.backend.ModelFiles;
import org.edgetorch.runtime.Model;
import org.edgetorch.tensor.FloatTensor;
import org.edgetorch.util.AtomicFiles;
import org.edgetorch.util.Json;
import org.edgetorch.util.UserError;

import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Enumeration;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Random;
import java.util.zip.ZipEntry;
import java.util.zip.ZipFile;

/**
 * {@code edgetorch optimize}: a TorchScript file in, a verified lite-interpreter {@code .ptl} out —
 * PyTorch's {@code optimize_for_mobile} + {@code _save_for_lite_interpreter}, rebuilt from what the
 * presets map (see {@link MobilePasses}).
 */
public final class MobileOptimizer {
    /** Name of the metadata file written into the archive's {@code extra/} folder. */
    public static final String METADATA_FILE = "edgetorch.json";

    private MobileOptimizer() {
    }

    public static MobileExportResult optimize(Path in, Path out, MobileOptions options) {
        Backend backend = Backends.get();
        if (!(backend instanceof BytedecoBackend)) {
            throw new UserError("optimize rewrites LibTorch's IR through the Bytedeco presets; the "
                    + backend.name() + " backend cannot run it (run it on x86/macOS and copy the .ptl)");
        }
        ModelFiles.inspect(in);
        if (Files.exists(out) && sameFile(in, out)) throw new UserError(out + ": would overwrite the input; choose another --out");
        if (Files.isDirectory(out)) throw new UserError(out + ": is a directory, expected a file name such as model.ptl");

        boolean quantizedInput = looksQuantized(in);
        String engine = null;
        if (quantizedInput) {
            // Packed params re-pack on load for the engine selected at that moment: choose it first.
            engine = options.quantizedEngine() != null ? options.quantizedEngine() : engineFromMetadata(in);
            if (engine == null) engine = "qnnpack";
            backend.setQuantizedEngine(engine);
            engine = engine.toLowerCase(Locale.ROOT);
        } else if (options.quantizedEngine() != null) {
            backend.setQuantizedEngine(options.quantizedEngine());
        }

        List<String> notes = new ArrayList<>();
        MobilePasses.Counts counts = new MobilePasses.Counts();
        JitModule source = ModelFiles.loadChecked(in);
        ForwardSignature.check(source, in.toString());
        String dump = source.dump_to_str(true, false, false).getString();
        counts.batchNormBeforeFreeze = occurrences(dump, "aten::batch_norm(");
        int dropoutBefore = occurrences(dump, "dropout(") + occurrences(dump, "dropout_(");

        JitModule frozen;
        try {
            frozen = torch.freeze(source, new StringVectorOptional(), true);
        } catch (RuntimeException e) {
            throw new UserError(in + ": LibTorch could not freeze the module: " + ModelFiles.firstLine(e.getMessage()), e);
        }
        Graph g = frozen.get_method("forward").graph();
        Map<String, Integer> opsBefore = JitIr.opCounts(g);
        MobilePasses passes = new MobilePasses(g, counts, notes);
        try {
            passes.normalizeConvolutions();
            passes.removeTrainingOnlyOps();
            counts.dropoutRemoved = Math.max(counts.dropoutRemoved, dropoutBefore);
            if (options.xnnpack()) {
                if (backend.xnnpackAvailable()) passes.rewriteForXnnpack();
                else notes.add("XNNPACK is not available in this LibTorch: conv2d/linear left as they are");
            }
            passes.fuseAddRelu();
            passes.hoistPrepacking();
            passes.cleanup();
        } catch (UserError e) {
            throw new UserError(in + ": " + e.getMessage(), e);
        } catch (RuntimeException e) {
            throw new UserError(in + ": a mobile pass failed: " + ModelFiles.firstLine(e.getMessage()), e);
        }
        counts.batchNormAfter = MobilePasses.countKind(g, "aten::batch_norm");
        Map<String, Integer> opsAfter = JitIr.opCounts(g);
        boolean quantized = opsAfter.keySet().stream().anyMatch(k -> k.startsWith("quantized::"));
        if (!quantized) engine = null;
        RewriteCounts rewrites = counts.freeze();

        // What PyTorch's optimize_for_mobile leaves on the module, so tools that look for it find it.
        if (!frozen.hasattr("mobile_optimized")) {
            IValue yes = new IValue(true);
            frozen.register_attribute("mobile_optimized", new Graph().insertConstant(yes).type(), yes, false, false);
        }
        String metadata = metadataJson(in, quantized, engine, options, rewrites);
        OutputComparison[] verification = new OutputComparison[1];
        Map<String, String> extras = new java.util.TreeMap<>(extraFiles(in));
        extras.put(METADATA_FILE, metadata);
        // packed weights and debug records can make the .ptl up to about twice the .pt (the size matters only
        // where the write cannot go through a pipe); verified on the complete file before it is renamed
        AtomicFiles.writeNative(out, 2 * size(in), file -> saveForMobile(frozen, file, extras, options.debugInfo()),
                tmp -> {
                    if (options.verify()) verification[0] = verify(in, tmp, options);
                });
        Map<String, Integer> packedObjects = JitIr.objectConstants(g); // before close(): g belongs to frozen
        frozen.close();
        source.close();

        MobileArchive archive = MobileArchive.read(out);
        MobileTimings timings = options.loadRuns() > 0 || options.latencyRuns() > 0 ? MobileTiming.measure(in, out, options) : null;
        return new MobileExportResult(in.toString(), out.toString(), size(in), size(out),
                quantized ? "int8" : "fp32", engine, archive.bytecodeVersion(), torch.kProducedBytecodeVersion(),
                archive.fileFormatVersion(), archive.hasMobileDebugInfo(), rewrites, opsBefore, opsAfter,
                packedObjects, archive, verification[0], timings, List.copyOf(notes));
    }

    /** Writes {@code file}, which carries the target's name (LibTorch names the archive's top folder after it). */
    private static void saveForMobile(JitModule module, Path file, Map<String, String> extras, boolean debugInfo) {
        ExtraFilesMap extra = new ExtraFilesMap();
        extras.forEach((name, text) -> extra.put(new BytePointer(name), text));
        try {
            module._save_for_mobile(file.toString(), extra, debugInfo, false);
        } catch (RuntimeException e) {
            throw new UserError("LibTorch could not write the lite-interpreter archive: " + ModelFiles.firstLine(e.getMessage()), e);
        }
    }

    /** Runs the input and the written archive on the same random inputs and compares the outputs. */
    static OutputComparison verify(Path reference, Path candidate, MobileOptions options) {
        Backend backend = Backends.get();
        List<FloatTensor> inputs = inputs(options);
        List<FloatTensor> a = new ArrayList<>(), b = new ArrayList<>();
        try (Model ref = backend.load(reference)) {
            for (FloatTensor x : inputs) a.add(ref.forward(x));
        } catch (UserError e) {
            throw new UserError(e.getMessage() + " (check --input-shape: the check feeds "
                    + java.util.Arrays.toString(options.inputShape()) + ")", e);
        }
        try (Model mob = backend.load(candidate)) {
            for (FloatTensor x : inputs) b.add(mob.forward(x));
        } catch (UserError e) {
            throw new UserError("the written archive does not load or run back: " + e.getMessage(), e);
        }
        OutputComparison c = OutputComparison.of(a, b);
        if (!c.within(options.tolerance())) {
            throw new UserError(String.format(Locale.ROOT,
                    "verification failed: the optimized model's outputs differ from the input's by up to %.3g "
                            + "(tolerance %.3g; cosine %.6f, top-1 agreement %.0f%%); nothing written",
                    c.maxAbsDiff(), options.tolerance(), c.minCosine(), 100 * c.top1Agreement()));
        }
        return c;
    }

    /** Seeded inputs of the configured shape: half uniform in [0,1) like torch.rand, half N(0,1) like normalized images. */
    static List<FloatTensor> inputs(MobileOptions options) {
        Random r = new Random(options.seed());
        long n = 1;
        for (long d : options.inputShape()) n *= d;
        if (n <= 0 || n > (1L << 28)) throw new UserError("input shape " + java.util.Arrays.toString(options.inputShape()) + " is empty or too large");
        List<FloatTensor> out = new ArrayList<>();
        for (int i = 0; i < options.verifySamples(); i++) {
            float[] d = new float[(int) n];
            for (int j = 0; j < d.length; j++) d[j] = i % 2 == 0 ? r.nextFloat() : (float) r.nextGaussian();
            out.add(new FloatTensor(options.inputShape(), d));
        }
        return out;
    }

    /** Quantized TorchScript archives name the quantized classes/ops in their code or pickles. */
    static boolean looksQuantized(Path file) {
        try (ZipFile zip = new ZipFile(file.toFile())) {
            Enumeration<? extends ZipEntry> entries = zip.entries();
            while (entries.hasMoreElements()) {
                ZipEntry e = entries.nextElement();
                String n = e.getName();
                boolean text = n.endsWith(".py") || n.endsWith("data.pkl") || n.endsWith("constants.pkl") || n.endsWith("bytecode.pkl");
                if (!text || e.getSize() > (32L << 20)) continue;
                try (InputStream s = zip.getInputStream(e)) {
                    String body = new String(s.readAllBytes(), StandardCharsets.ISO_8859_1);
                    if (body.contains("torch.classes.quantized") || body.contains("ops.quantized.")) return true;
                }
            }
            return false;
        } catch (IOException e) {
            throw new UserError(file + ": not a readable zip: " + e.getMessage());
        }
    }

    /**
     * The input's small {@code extra/} files (e.g. the quantizer's note of its engine), carried into the
     * archive so readers of the {@code .ptl} find them where they would in the {@code .pt}.
     */
    static Map<String, String> extraFiles(Path file) {
        Map<String, String> out = new java.util.TreeMap<>();
        try (ZipFile zip = new ZipFile(file.toFile())) {
            Enumeration<? extends ZipEntry> entries = zip.entries();
            while (entries.hasMoreElements()) {
                ZipEntry e = entries.nextElement();
                int at = e.getName().indexOf("/extra/");
                if (at < 0 || e.isDirectory() || e.getSize() > (1 << 20)) continue;
                try (InputStream s = zip.getInputStream(e)) {
                    out.put(e.getName().substring(at + "/extra/".length()), new String(s.readAllBytes(), StandardCharsets.UTF_8));
                }
            }
        } catch (IOException e) {
            throw new UserError(file + ": not a readable zip: " + e.getMessage());
        }
        return out;
    }

    /** The engine an input says it was quantized for: {@code "engine"} or {@code "qengine"} in an extra/*.json. */
    static String engineFromMetadata(Path file) {
        try (ZipFile zip = new ZipFile(file.toFile())) {
            Enumeration<? extends ZipEntry> entries = zip.entries();
            while (entries.hasMoreElements()) {
                ZipEntry e = entries.nextElement();
                if (!e.getName().contains("/extra/") || !e.getName().endsWith(".json") || e.getSize() > (1 << 20)) continue;
                try (InputStream s = zip.getInputStream(e)) {
                    JsonElement j = Json.parse(new String(s.readAllBytes(), StandardCharsets.UTF_8));
                    if (!j.isJsonObject()) continue;
                    for (String key : new String[]{"engine", "qengine", "quantized_engine"}) {
                        JsonElement v = j.getAsJsonObject().get(key);
                        if (v != null && v.isJsonPrimitive()) return v.getAsString();
                    }
                } catch (RuntimeException ignored) {
                    // not our JSON: ignore it
                }
            }
        } catch (IOException e) {
            throw new UserError(file + ": not a readable zip: " + e.getMessage());
        }
        return null;
    }

    private static String metadataJson(Path in, boolean quantized, String engine, MobileOptions options, RewriteCounts rewrites) {
        JsonObject o = new JsonObject();
        o.addProperty("producer", "edgetorch optimize");
        o.addProperty("libtorch", Backends.get().libtorchVersion());
        o.addProperty("source", in.getFileName().toString());
        o.addProperty("precision", quantized ? "int8" : "fp32");
        if (engine != null) o.addProperty("engine", engine);
        o.addProperty("xnnpack", rewrites.conv2dToXnnpack() + rewrites.linearToXnnpack() > 0);
        o.addProperty("forward", ForwardSignature.EXPECTED);
        o.addProperty("input_shape", java.util.Arrays.toString(options.inputShape()));
        o.add("rewrites", Json.parse(Json.write(rewrites)));
        return Json.write(o);
    }

    private static int occurrences(String text, String needle) {
        int n = 0;
        for (int i = text.indexOf(needle); i >= 0; i = text.indexOf(needle, i + needle.length())) n++;
        return n;
    }

    private static boolean sameFile(Path a, Path b) {
        try {
            return Files.isSameFile(a, b);
        } catch (IOException e) {
            return false;
        }
    }

    private static long size(Path p) {
        try {
            return Files.size(p);
        } catch (IOException e) {
            return -1;
        }
    }

    /** Summary lines for people: what changed, sizes, versions, verification, timings. */
    public static List<String> describe(MobileExportResult r) {
        List<String> l = new ArrayList<>();
        RewriteCounts c = r.rewrites();
        l.add(String.format(Locale.ROOT, "wrote %s (%s, %s%s)", r.output(), human(r.outputBytes()), r.precision(),
                r.quantizedEngine() == null ? "" : ", packed for " + r.quantizedEngine()));
        l.add(String.format(Locale.ROOT, "  input %s: %s; output/input size %.3f", r.input(), human(r.inputBytes()),
                (double) r.outputBytes() / r.inputBytes()));
        l.add(String.format(Locale.ROOT, "  bytecode version %s (this LibTorch produces %d), file format %d, mobile debug info %s",
                r.bytecodeVersion(), r.producedBytecodeVersion(), r.fileFormatVersion(), r.debugInfo() ? "yes" : "no"));
        MobileArchive a = r.archive();
        l.add(String.format(Locale.ROOT, "  archive: weights %s, TorchScript code+pickles %s, bytecode %s, debug %s, other %s",
                human(a.weightBytes()), human(a.torchScriptBytes()), human(a.bytecodeBytes()), human(a.debugBytes()), human(a.otherBytes())));
        l.add(String.format(Locale.ROOT, "  rewrites: conv2d→XNNPACK %d, linear→XNNPACK %d, fused ReLU %d, ReLU6 %d, clamp %d; add+ReLU %d; "
                        + "BatchNorm folded %d (left %d); dropout removed %d; prepack hoisted %d; packed constants %d",
                c.conv2dToXnnpack(), c.linearToXnnpack(), c.reluFused(), c.relu6Fused(), c.clampFused(), c.addReluFused(),
                c.batchNormFolded(), c.batchNormRemaining(), c.dropoutRemoved(), c.prepackHoisted(), c.packedConstants()));
        l.add("  forward ops: " + r.opsAfter());
        if (r.verification() != null) {
            OutputComparison v = r.verification();
            l.add(String.format(Locale.ROOT, "  verified on %d inputs: max |diff| %.3g (outputs up to %.3g), cosine min %.7f, top-1 agreement %.0f%%",
                    v.samples(), v.maxAbsDiff(), v.maxAbsReference(), v.minCosine(), 100 * v.top1Agreement()));
        }
        if (r.timings() != null) {
            MobileTimings t = r.timings();
            l.add(String.format(Locale.ROOT, "  load (median of %d): .pt %.1f ms, .ptl %.1f ms", t.loadRuns(), t.loadPtMs(), t.loadPtlMs()));
            if (t.latencyRuns() > 0) {
                l.add(String.format(Locale.ROOT, "  latency (median of %d interleaved, %d thread%s): .pt %.2f ms, .ptl %.2f ms, speed-up x%.2f"
                                + " (thread CPU time: %.2f vs %.2f ms, x%.2f)",
                        t.latencyRuns(), t.threads(), t.threads() == 1 ? "" : "s", t.latencyPtMs(), t.latencyPtlMs(), t.speedup(),
                        t.cpuPtMs(), t.cpuPtlMs(), t.cpuSpeedup()));
            }
        }
        for (String n : r.notes()) l.add("  note: " + n);
        return l;
    }

    static String human(long bytes) {
        if (bytes < 0) return "?";
        if (bytes < 10_000) return bytes + " B";
        if (bytes < 10_000_000) return String.format(Locale.ROOT, "%.1f kB", bytes / 1e3);
        return String.format(Locale.ROOT, "%.2f MB", bytes / 1e6);
    }
}
