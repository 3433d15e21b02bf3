package org.edgetorch.crosscheck;

import org.edgetorch.backend.Backend;
import org.edgetorch.runtime.Model;
import org.edgetorch.tensor.FloatTensor;
import org.edgetorch.util.UserError;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;

/**
 * Collects what {@code --save-io} writes while a command runs: inputs, each variant's outputs, latency.
 * {@link #save} merges into an existing file of the same machine and LibTorch, so several {@code predict}
 * runs (one model each) can fill one file.
 */
public final class IoRecorder {
    private final String command;
    private final Map<String, Object> machine;
    private final String preprocessing;
    private final Map<String, IoFile.Input> inputs = new LinkedHashMap<>();
    private final Map<String, VariantBuilder> variants = new LinkedHashMap<>();

    public IoRecorder(String command, Map<String, Object> machine, String preprocessing) {
        this.command = command;
        this.machine = machine;
        this.preprocessing = preprocessing;
    }

    public static IoRecorder start(String command, Backend backend, String preprocessing) {
        return new IoRecorder(command, machine(backend), preprocessing);
    }

    /** The machine ({@link org.edgetorch.util.MachineInfo}, as every report names it) and the runtime's state now. */
    static Map<String, Object> machine(Backend b) {
        Map<String, Object> m = new LinkedHashMap<>(org.edgetorch.util.MachineInfo.of(b).toJson());
        Object engine = b.details().get("quantized_engine");
        if (engine == null && b instanceof org.edgetorch.backend.BytedecoBackend bb) engine = bb.currentQuantizedEngine();
        m.put("quantized_engine", engine);
        m.put("threads", b.threads());
        // What an older LibTorch reads (the bridge knows; the presets do not say).
        if (b.details().get("max_bytecode") != null) m.put("max_bytecode", b.details().get("max_bytecode"));
        if (b.details().get("max_file_format") != null) m.put("max_file_format", b.details().get("max_file_format"));
        return m;
    }

    /** Adds an input (an image preprocessed here, a dummy tensor, a replayed one); returns its id. */
    public String input(String id, String name, String origin, String replayOf, FloatTensor tensor) {
        IoFile.Input in = new IoFile.Input(id, name, origin, replayOf, tensor);
        IoFile.Input old = inputs.get(id);
        if (old != null && !old.sha256().equals(in.sha256())) {
            throw new IllegalStateException("two different tensors for input " + id);
        }
        inputs.put(id, in);
        return id;
    }

    /** Adds inputs read from another machine's file (its images and dummies), ids prefixed {@code replay:}. */
    public List<IoFile.Input> replay(IoFile other) {
        List<IoFile.Input> added = new ArrayList<>();
        for (IoFile.Input i : other.inputs()) {
            if (i.origin().equals("replay")) continue;
            String id = "replay:" + i.id();
            input(id, i.name(), "replay", i.id(), i.tensor());
            added.add(inputs.get(id));
        }
        return added;
    }

    public List<IoFile.Input> inputs() {
        return List.copyOf(inputs.values());
    }

    public void output(String variant, String source, String kind, String inputId, FloatTensor output) {
        if (!inputs.containsKey(inputId)) throw new IllegalStateException("output for unknown input " + inputId);
        variant(variant, source, kind).outputs.put(inputId, new IoFile.Output(inputId, output));
    }

    /** Splits batched outputs {@code [N, ...]} into one output per input id, in order. */
    public void outputs(String variant, String source, String kind, List<String> inputIds, FloatTensor batched) {
        if (batched.dim() < 1 || batched.size(0) != inputIds.size()) {
            throw new IllegalStateException("batch of " + inputIds.size() + " inputs gave output " + batched.shapeString());
        }
        int per = batched.data().length / inputIds.size();
        long[] shape = batched.shape().clone();
        shape[0] = 1;
        for (int i = 0; i < inputIds.size(); i++) {
            float[] row = Arrays.copyOfRange(batched.data(), i * per, (i + 1) * per);
            output(variant, source, kind, inputIds.get(i), new FloatTensor(shape, row));
        }
    }

    public void latency(String variant, String source, String kind, IoFile.Latency latency) {
        variant(variant, source, kind).latency = latency;
    }

    public void error(String variant, String source, String kind, String error) {
        variant(variant, source, kind).error = error;
    }

    /** Describes the variant's model file (hash, version records, engine). */
    public void file(String variant, String source, String kind, Path file) {
        if (file != null && Files.isRegularFile(file)) variant(variant, source, kind).file = IoFile.ModelFile.of(file);
    }

    /** Runs a model on every replayed input (one at a time) and records the outputs. */
    public void runReplays(Model model, String variant, String kind) {
        for (IoFile.Input in : inputs.values()) {
            if (!in.origin().equals("replay")) continue;
            output(variant, model.source(), kind, in.id(), model.forward(in.tensor()));
        }
    }

    private VariantBuilder variant(String name, String source, String kind) {
        return variants.computeIfAbsent(name, n -> new VariantBuilder(n, source, kind));
    }

    public IoFile build() {
        List<IoFile.Variant> vs = new ArrayList<>();
        for (VariantBuilder v : variants.values()) {
            vs.add(new IoFile.Variant(v.name, v.source, v.kind, List.copyOf(v.outputs.values()), v.latency, v.error, v.file));
        }
        return new IoFile(IoFile.SCHEMA, Instant.now().truncatedTo(ChronoUnit.SECONDS).toString(), command, machine,
                preprocessing, List.copyOf(inputs.values()), vs);
    }

    /** Writes the file; when it exists, merges into it (same machine, backend and LibTorch only). */
    public IoFile save(Path target) {
        IoFile mine = build();
        // read-merge-write under a lock: two runs adding variants at once must not lose one
        return org.edgetorch.util.AtomicFiles.update(target, exists -> {
            IoFile out = exists ? merge(IoFile.read(target), mine, target) : mine;
            out.write(target);
            return out;
        });
    }

    static IoFile merge(IoFile old, IoFile mine, Path target) {
        for (String key : new String[]{"platform", "backend", "libtorch", "cpu"}) {
            if (!Objects.equals(String.valueOf(old.machine().get(key)), String.valueOf(mine.machine().get(key)))) {
                throw new UserError(target + " holds results of another machine or LibTorch (" + key + ": "
                        + old.machine().get(key) + ", here: " + mine.machine().get(key) + "); write to a new file");
            }
        }
        Map<String, IoFile.Input> ins = new LinkedHashMap<>();
        for (IoFile.Input i : old.inputs()) ins.put(i.id(), i);
        for (IoFile.Input i : mine.inputs()) {
            IoFile.Input prev = ins.get(i.id());
            if (prev != null && !prev.sha256().equals(i.sha256())) {
                throw new UserError(target + ": input " + i.id() + " differs from the one already in the file "
                        + "(other preprocessing options?); write to a new file");
            }
            ins.put(i.id(), i);
        }
        Map<String, IoFile.Variant> vs = new LinkedHashMap<>();
        for (IoFile.Variant v : old.variants()) vs.put(v.name(), v);
        for (IoFile.Variant v : mine.variants()) vs.merge(v.name(), v, IoRecorder::mergeVariant);
        String pre = mine.preprocessing() != null ? mine.preprocessing() : old.preprocessing();
        String command = old.command().equals(mine.command()) ? mine.command() : old.command() + "+" + mine.command();
        return new IoFile(IoFile.SCHEMA, mine.created(), command, mine.machine(), pre, List.copyOf(ins.values()), List.copyOf(vs.values()));
    }

    /**
     * The same variant run again (predict on more images, then bench for latency): outputs are united (new
     * ones win), bench latency wins over predict's, and the newer run's error (or success) stands.
     */
    static IoFile.Variant mergeVariant(IoFile.Variant old, IoFile.Variant mine) {
        Map<String, IoFile.Output> outs = new LinkedHashMap<>();
        for (IoFile.Output o : old.outputs()) outs.put(o.input(), o);
        for (IoFile.Output o : mine.outputs()) outs.put(o.input(), o);
        IoFile.Latency lat = mine.latency();
        if (lat == null || old.latency() != null && old.latency().source().equals("bench") && !lat.source().equals("bench")) {
            lat = old.latency();
        }
        return new IoFile.Variant(mine.name(), mine.source(), mine.kind(), List.copyOf(outs.values()), lat, mine.error(),
                mine.file() != null ? mine.file() : old.file());
    }

    private static final class VariantBuilder {
        final String name;
        final String source;
        final String kind;
        final Map<String, IoFile.Output> outputs = new LinkedHashMap<>();
        IoFile.Latency latency;
        String error;
        IoFile.ModelFile file;

        VariantBuilder(String name, String source, String kind) {
            this.name = name;
            this.source = source;
            this.kind = kind;
        }
    }
}
