package org.edgetorch.crosscheck;

import com.google.gson.JsonArray;
import com.google.gson.JsonElement;
import com.google.gson.JsonObject;
import com.google.gson.JsonParseException;
import org.edgetorch.tensor.FloatTensor;
import org.edgetorch.util.AtomicFiles;
import org.edgetorch.util.Json;
import org.edgetorch.util.UserError;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.ArrayList;
import java.util.Base64;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * What {@code --save-io} writes and {@code compare} reads: the exact input tensors a machine ran, every
 * model variant's outputs on them, latency, and the machine. Schema {@value #SCHEMA} (README.md):
 * tensors are little-endian float32, base64-encoded, with their SHA-256, so two machines' inputs can be
 * matched bit for bit.
 *
 * @param machine       platform, os, java, cpu, cpus, backend, libtorch, quantized engine(s), xnnpack, threads
 * @param preprocessing how images became tensors here (null when no image was preprocessed)
 */
public record IoFile(String schema, String created, String command, Map<String, Object> machine,
                     String preprocessing, List<Input> inputs, List<Variant> variants) {

    /** Bumped when a field changes meaning or disappears; new fields may appear within a version. */
    public static final String SCHEMA = "edgetorch.io/1";

    public IoFile {
        inputs = List.copyOf(inputs);
        variants = List.copyOf(variants);
    }

    /**
     * One input tensor.
     *
     * @param id     unique in the file: the image's name for {@code image}, {@code replay:<id>} for a tensor
     *               taken from another machine's file, {@code dummy:...} for a synthetic one
     * @param name   the image file name, or a description
     * @param origin {@code image} (preprocessed here), {@code replay} (read from another file), {@code dummy}
     * @param replayOf for {@code replay}: the id it had in the file it came from; else null
     */
    public record Input(String id, String name, String origin, String replayOf, FloatTensor tensor, String sha256) {
        public Input(String id, String name, String origin, String replayOf, FloatTensor tensor) {
            this(id, name, origin, replayOf, tensor, IoFile.sha256(tensor));
        }
    }

    /**
     * A model variant's outputs here; {@code error} says why it could not run (e.g. a file too new for this
     * LibTorch); {@code file} describes the model file (null for the eager Java model).
     */
    public record Variant(String name, String source, String kind, List<Output> outputs, Latency latency, String error,
                          ModelFile file) {
        public Variant {
            outputs = List.copyOf(outputs);
        }

        public Output output(String inputId) {
            for (Output o : outputs) if (o.input().equals(inputId)) return o;
            return null;
        }
    }

    public record Output(String input, FloatTensor tensor) {
    }

    /**
     * The model file a variant ran: its SHA-256 (both machines must run the same bits), the version records
     * an older LibTorch checks ({@link org.edgetorch.backend.bridge.ArchiveVersions}; -1 when absent), and
     * the quantized engine edgetorch packed it for (null for float files).
     */
    public record ModelFile(String sha256, long formatVersion, long bytecodeVersion, String quantizedEngine) {
        public static ModelFile of(java.nio.file.Path file) {
            var v = org.edgetorch.backend.bridge.ArchiveVersions.read(file);
            String engine = org.edgetorch.quant.QuantizedArchive.engineOf(file).orElse(null);
            String sha;
            try (var in = java.nio.file.Files.newInputStream(file)) {
                MessageDigest d = MessageDigest.getInstance("SHA-256");
                byte[] buf = new byte[1 << 16];
                for (int n; (n = in.read(buf)) > 0; ) d.update(buf, 0, n);
                sha = HexFormat.of().formatHex(d.digest());
            } catch (IOException | NoSuchAlgorithmException e) {
                sha = null;
            }
            return new ModelFile(sha, v.fileFormat(), v.bytecode(), engine);
        }
    }

    /**
     * Per-inference latency in milliseconds. {@code source}: {@code bench} (the harness's measured runs) or
     * {@code predict} (wall time of each forward call after the first two, divided by its batch size).
     */
    public record Latency(String source, int runs, double minMs, double medianMs, double meanMs, double p90Ms) {
    }

    public Input input(String id) {
        for (Input i : inputs) if (i.id().equals(id)) return i;
        return null;
    }

    public Variant variant(String name) {
        for (Variant v : variants) if (v.name().equals(name)) return v;
        return null;
    }

    // ---- encoding ----

    public static String encode(float[] data) {
        return Base64.getEncoder().encodeToString(bytes(data));
    }

    public static float[] decode(String base64, long expected) {
        byte[] b = Base64.getDecoder().decode(base64);
        if (b.length != expected * 4) throw new IllegalArgumentException("tensor data has " + b.length + " bytes, shape needs " + expected * 4);
        float[] f = new float[b.length / 4];
        ByteBuffer.wrap(b).order(ByteOrder.LITTLE_ENDIAN).asFloatBuffer().get(f);
        return f;
    }

    private static byte[] bytes(float[] data) {
        ByteBuffer buf = ByteBuffer.allocate(data.length * 4).order(ByteOrder.LITTLE_ENDIAN);
        buf.asFloatBuffer().put(data);
        return buf.array();
    }

    public static String sha256(FloatTensor t) {
        try {
            MessageDigest d = MessageDigest.getInstance("SHA-256");
            for (long s : t.shape()) d.update(ByteBuffer.allocate(8).order(ByteOrder.LITTLE_ENDIAN).putLong(s).array());
            d.update(bytes(t.data()));
            return HexFormat.of().formatHex(d.digest());
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }

    // ---- JSON ----

    public Map<String, Object> toJson() {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("schema", schema);
        m.put("created", created);
        m.put("command", command);
        m.put("machine", machine);
        m.put("preprocessing", preprocessing);
        List<Map<String, Object>> ins = new ArrayList<>();
        for (Input i : inputs) {
            Map<String, Object> e = new LinkedHashMap<>();
            e.put("id", i.id());
            e.put("name", i.name());
            e.put("origin", i.origin());
            if (i.replayOf() != null) e.put("replay_of", i.replayOf());
            e.put("shape", i.tensor().shape());
            e.put("sha256", i.sha256());
            e.put("data", encode(i.tensor().data()));
            ins.add(e);
        }
        m.put("inputs", ins);
        List<Map<String, Object>> vs = new ArrayList<>();
        for (Variant v : variants) {
            Map<String, Object> e = new LinkedHashMap<>();
            e.put("name", v.name());
            e.put("source", v.source());
            e.put("kind", v.kind());
            if (v.error() != null) e.put("error", v.error());
            if (v.file() != null) {
                Map<String, Object> f = new LinkedHashMap<>();
                f.put("sha256", v.file().sha256());
                f.put("format_version", v.file().formatVersion());
                f.put("bytecode_version", v.file().bytecodeVersion());
                f.put("quantized_engine", v.file().quantizedEngine());
                e.put("file", f);
            }
            if (v.latency() != null) {
                Map<String, Object> l = new LinkedHashMap<>();
                l.put("source", v.latency().source());
                l.put("runs", v.latency().runs());
                l.put("min", v.latency().minMs());
                l.put("median", v.latency().medianMs());
                l.put("mean", v.latency().meanMs());
                l.put("p90", v.latency().p90Ms());
                e.put("latency_ms", l);
            }
            List<Map<String, Object>> outs = new ArrayList<>();
            for (Output o : v.outputs()) {
                Map<String, Object> oe = new LinkedHashMap<>();
                oe.put("input", o.input());
                oe.put("shape", o.tensor().shape());
                oe.put("data", encode(o.tensor().data()));
                outs.add(oe);
            }
            e.put("outputs", outs);
            vs.add(e);
        }
        m.put("variants", vs);
        return m;
    }

    public void write(Path target) {
        AtomicFiles.writeString(target, Json.write(toJson()) + "\n");
    }

    /** Larger than any io file edgetorch writes (500 images' tensors and outputs take about 0.5 GB). */
    public static final long MAX_BYTES = 1L << 30;

    public static IoFile read(Path file) {
        JsonElement json = Json.readFile(file, MAX_BYTES, "an io file (" + SCHEMA + ")");
        try {
            return fromJson(json.getAsJsonObject());
        } catch (JsonParseException | IllegalStateException | IllegalArgumentException | NullPointerException
                 | UnsupportedOperationException | ClassCastException e) {
            throw new UserError(file + ": not an edgetorch --save-io file (" + IoFile.SCHEMA + "): " + e.getMessage());
        }
    }

    static IoFile fromJson(JsonObject o) {
        String schema = o.get("schema").getAsString();
        if (!schema.startsWith("edgetorch.io/")) throw new IllegalArgumentException("schema is " + schema);
        if (!schema.equals(SCHEMA)) throw new IllegalArgumentException("schema " + schema + " is not " + SCHEMA + " (written by another edgetorch version)");
        Map<String, Object> machine = new LinkedHashMap<>();
        for (Map.Entry<String, JsonElement> e : o.getAsJsonObject("machine").entrySet()) machine.put(e.getKey(), plain(e.getValue()));
        List<Input> inputs = new ArrayList<>();
        for (JsonElement e : o.getAsJsonArray("inputs")) {
            JsonObject i = e.getAsJsonObject();
            FloatTensor t = tensor(i);
            Input in = new Input(i.get("id").getAsString(), i.get("name").getAsString(), i.get("origin").getAsString(),
                    i.has("replay_of") ? i.get("replay_of").getAsString() : null, t);
            if (i.has("sha256") && !i.get("sha256").getAsString().equals(in.sha256())) {
                throw new IllegalArgumentException("input " + in.id() + ": data does not match its sha256");
            }
            inputs.add(in);
        }
        List<Variant> variants = new ArrayList<>();
        for (JsonElement e : o.getAsJsonArray("variants")) {
            JsonObject v = e.getAsJsonObject();
            List<Output> outs = new ArrayList<>();
            for (JsonElement oe : v.getAsJsonArray("outputs")) {
                JsonObject out = oe.getAsJsonObject();
                outs.add(new Output(out.get("input").getAsString(), tensor(out)));
            }
            Latency lat = null;
            if (v.has("latency_ms") && v.get("latency_ms").isJsonObject()) {
                JsonObject l = v.getAsJsonObject("latency_ms");
                lat = new Latency(l.get("source").getAsString(), l.get("runs").getAsInt(), l.get("min").getAsDouble(),
                        l.get("median").getAsDouble(), l.get("mean").getAsDouble(), l.get("p90").getAsDouble());
            }
            ModelFile file = null;
            if (v.has("file") && v.get("file").isJsonObject()) {
                JsonObject f = v.getAsJsonObject("file");
                file = new ModelFile(str(f, "sha256"), f.get("format_version").getAsLong(), f.get("bytecode_version").getAsLong(),
                        str(f, "quantized_engine"));
            }
            variants.add(new Variant(v.get("name").getAsString(), str(v, "source"), str(v, "kind"), outs, lat,
                    v.has("error") ? v.get("error").getAsString() : null, file));
        }
        return new IoFile(schema, str(o, "created"), str(o, "command"), machine, str(o, "preprocessing"), inputs, variants);
    }

    private static String str(JsonObject o, String key) {
        return o.has(key) && !o.get(key).isJsonNull() ? o.get(key).getAsString() : null;
    }

    private static FloatTensor tensor(JsonObject o) {
        JsonArray s = o.getAsJsonArray("shape");
        long[] shape = new long[s.size()];
        long n = 1;
        for (int i = 0; i < shape.length; i++) {
            shape[i] = s.get(i).getAsLong();
            if (shape[i] < 0) throw new IllegalArgumentException("negative dimension");
            n *= shape[i];
        }
        if (n > Integer.MAX_VALUE) throw new IllegalArgumentException("tensor too large");
        return new FloatTensor(shape, decode(o.get("data").getAsString(), n));
    }

    private static Object plain(JsonElement e) {
        if (e == null || e.isJsonNull()) return null;
        if (e.isJsonPrimitive()) {
            var p = e.getAsJsonPrimitive();
            if (p.isBoolean()) return p.getAsBoolean();
            if (p.isNumber()) {
                double d = p.getAsDouble();
                return d == Math.rint(d) && Math.abs(d) < 1e15 ? (Object) (long) d : d;
            }
            return p.getAsString();
        }
        if (e.isJsonArray()) {
            List<Object> l = new ArrayList<>();
            for (JsonElement x : e.getAsJsonArray()) l.add(plain(x));
            return l;
        }
        Map<String, Object> m = new LinkedHashMap<>();
        for (Map.Entry<String, JsonElement> x : e.getAsJsonObject().entrySet()) m.put(x.getKey(), plain(x.getValue()));
        return m;
    }
}
