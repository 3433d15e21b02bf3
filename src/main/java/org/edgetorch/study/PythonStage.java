package org.edgetorch.study;

import com.google.gson.JsonArray;
import com.google.gson.JsonElement;
import com.google.gson.JsonObject;
import org.edgetorch.image.ImageInput;
import org.edgetorch.tensor.Agreement;
import org.edgetorch.tensor.FloatTensor;
import org.edgetorch.util.Json;
import org.edgetorch.util.UserError;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

/**
 * {@code --with-python}: runs bench/python_study.py (bundled in the jar) with a Python that has torch and
 * torchvision, on the same machine, the same FP32 weights (the exported TorchScript file) and the same
 * input tensors (written here as raw float32), and adds its figures beside edgetorch's. No such Python
 * is a one-line note, not a failure.
 */
final class PythonStage implements StudyStage {
    static final String SCRIPT_RESOURCE = "/org/edgetorch/bench/python_study.py";
    static final String SCHEMA = "edgetorch.python-study/1";
    /** Tried in order: Debian's python3 (where python3-torch installs), then whatever python3 is on PATH. */
    static final List<String> CANDIDATES = List.of("/usr/bin/python3", "python3");

    private String interpreter;
    private String versions;

    @Override
    public String name() {
        return "python";
    }

    @Override
    public String skipReason(StudyContext c) {
        if (!c.options().withPython()) return "not requested (--with-python runs PyTorch's reproduction beside edgetorch)";
        if (c.options().model() != null) return "--model: the Python reproduction rebuilds the built-in architectures only";
        List<String> tried = new ArrayList<>();
        for (String candidate : CANDIDATES) {
            String probe = probe(candidate);
            if (probe.startsWith("ok ")) {
                interpreter = candidate;
                versions = probe.substring(3);
                return null;
            }
            tried.add(candidate + ": " + probe);
        }
        String why = "no Python with torch and torchvision found (" + String.join("; ", tried) + ")";
        c.setPython(PythonResult.unavailable(why));
        return why;
    }

    /** "ok <python> <torch> <torchvision>", or why this interpreter does not serve. */
    static String probe(String python) {
        try {
            Process p = new ProcessBuilder(python, "-c",
                    "import sys, torch, torchvision; print(sys.version.split()[0], torch.__version__, torchvision.__version__)")
                    .redirectErrorStream(true).start();
            p.getOutputStream().close();
            String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8).strip();
            if (!p.waitFor(120, TimeUnit.SECONDS)) {
                p.destroyForcibly();
                return "timed out importing torch";
            }
            if (p.exitValue() == 0) return "ok " + out;
            String last = out.isEmpty() ? "exit " + p.exitValue() : out.substring(out.lastIndexOf('\n') + 1);
            return last.contains("No module named") ? last.substring(last.indexOf("No module named")) : last;
        } catch (IOException e) {
            return "not found";
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return "interrupted";
        }
    }

    @Override
    public void run(StudyContext c) {
        StudyModel fp32 = c.model(Variant.FP32_TORCHSCRIPT);
        if (fp32 == null) throw new UserError("python: needs the exported FP32 TorchScript file, which the export stage did not make");
        String pythonLabel = interpreter + " (Python " + versions.split(" ")[0] + ")";
        Path work;
        try {
            work = Files.createTempDirectory("edgetorch-python-study-");
        } catch (IOException e) {
            throw new UserError("python: cannot create a temporary folder: " + e.getMessage());
        }
        try {
            runIn(c, work, fp32, pythonLabel);
        } catch (UserError e) {
            if (c.python() == null) c.setPython(PythonResult.failed(pythonLabel, e.getMessage()));
            throw e;
        } finally {
            ReportFolder.deleteTree(work);
        }
    }

    private void runIn(StudyContext c, Path work, StudyModel fp32, String pythonLabel) {
        try {
            Path manifest = writeInputs(c, work, Path.of(fp32.variant().file()));
            Path script = work.resolve("python_study.py");
            try (InputStream in = PythonStage.class.getResourceAsStream(SCRIPT_RESOURCE)) {
                if (in == null) throw new UserError("python: bench/python_study.py is not bundled in this build");
                Files.copy(in, script);
            }
            Path out = work.resolve("result.json");
            Progress.Task task = c.progress().task("PyTorch " + versions.split(" ")[1] + " in " + interpreter);
            List<String> log = run(List.of(interpreter, script.toString(), "--manifest", manifest.toString(), "--out",
                    out.toString()), task, c.options().quick() ? 15 : 60);
            if (!Files.exists(out)) {
                String last = log.isEmpty() ? "no output" : log.get(log.size() - 1);
                throw new UserError("python: bench/python_study.py ended without results: " + last);
            }
            PythonResult result = parse(Files.readString(out), pythonLabel);
            c.setPython(result);
            task.done(result.latency().size() + " latency figures, " + result.variants().size() + " variants");
        } catch (IOException e) {
            throw new UserError("python: " + e.getMessage());
        }
    }

    /** The inputs as raw little-endian float32 files, and the manifest that tells the script what to do. */
    private static Path writeInputs(StudyContext c, Path work, Path fp32) throws IOException {
        StudyOptions o = c.options();
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("schema", "edgetorch.python-study-manifest/1");
        m.put("arch", o.arch());
        m.put("fp32_model", fp32.toAbsolutePath().toString());
        m.put("models_dir", o.modelsDir().resolve("python").toAbsolutePath().toString());
        m.put("threads", o.threads());
        LatencyPlan p = o.latencyPlan();
        m.put("plan", Map.of("warmup_runs", p.warmupRuns(), "warmup_min_s", p.warmupSeconds(), "runs", p.runs(),
                "min_time_s", p.minSeconds()));
        m.put("shape", List.of(1, 3, 224, 224));
        Map<String, Object> inputs = new LinkedHashMap<>();
        inputs.put("dummy", write(work, "dummy.f32", LatencyStage.dummyInput()));
        if (o.imageLatency() && !c.heldOut().isEmpty()) {
            ImageInput photo = c.heldOut().get(0);
            inputs.put("image:" + photo.name(), write(work, "image.f32", photo.tensor()));
        }
        m.put("latency_inputs", inputs);
        List<String> calib = new ArrayList<>();
        List<ImageInput> calibration = c.calibration();
        for (int i = 0; i < calibration.size(); i++) calib.add(write(work, "calib_" + i + ".f32", calibration.get(i).tensor()));
        m.put("calibration", calib);
        List<String> held = new ArrayList<>();
        for (int i = 0; i < c.heldOut().size(); i++) held.add(write(work, "heldout_" + i + ".f32", c.heldOut().get(i).tensor()));
        m.put("held_out", held);
        Path manifest = work.resolve("manifest.json");
        Files.writeString(manifest, Json.write(m));
        return manifest;
    }

    private static String write(Path dir, String name, FloatTensor t) throws IOException {
        ByteBuffer buf = ByteBuffer.allocate(t.data().length * 4).order(ByteOrder.LITTLE_ENDIAN);
        buf.asFloatBuffer().put(t.data());
        Path f = dir.resolve(name);
        Files.write(f, buf.array());
        return f.toString();
    }

    /**
     * Runs the script, turning its {@code PROGRESS <fraction> <detail>} lines into the progress display;
     * returns its other output lines.
     */
    private static List<String> run(List<String> command, Progress.Task task, int timeoutMinutes) throws IOException {
        Process p = new ProcessBuilder(command).redirectErrorStream(true).start();
        p.getOutputStream().close();
        List<String> lines = Collections.synchronizedList(new ArrayList<>());
        Thread reader = new Thread(() -> {
            try (BufferedReader r = new BufferedReader(new InputStreamReader(p.getInputStream(), StandardCharsets.UTF_8))) {
                for (String line; (line = r.readLine()) != null; ) {
                    if (line.startsWith("PROGRESS ")) {
                        String[] parts = line.split(" ", 3);
                        try {
                            task.update(Double.parseDouble(parts[1]), parts.length > 2 ? parts[2] : "");
                        } catch (NumberFormatException ignored) {
                            lines.add(line);
                        }
                    } else {
                        lines.add(line);
                    }
                }
            } catch (IOException ignored) {
                // the process ended
            }
        }, "python-study-output");
        reader.setDaemon(true);
        reader.start();
        try {
            if (!p.waitFor(timeoutMinutes, TimeUnit.MINUTES)) {
                p.destroyForcibly();
                throw new UserError("python: bench/python_study.py did not finish within " + timeoutMinutes + " minutes");
            }
            reader.join(10_000);
        } catch (InterruptedException e) {
            p.destroyForcibly();
            Thread.currentThread().interrupt();
            throw new UserError("python: interrupted");
        }
        synchronized (lines) {
            if (p.exitValue() != 0) {
                String last = lines.isEmpty() ? "exit code " + p.exitValue() : lines.get(lines.size() - 1);
                throw new UserError("python: bench/python_study.py failed: " + last);
            }
            return List.copyOf(lines);
        }
    }

    static PythonResult parse(String json, String pythonLabel) {
        JsonObject o = Json.parse(json).getAsJsonObject();
        if (!SCHEMA.equals(str(o, "schema"))) throw new UserError("python: unexpected result schema " + str(o, "schema"));
        List<Variant> variants = new ArrayList<>();
        for (JsonElement e : o.getAsJsonArray("variants")) {
            JsonObject v = e.getAsJsonObject();
            variants.add(new Variant(str(v, "id"), str(v, "label"), "python", str(v, "format"), str(v, "precision"),
                    str(v, "engine"), str(v, "file"), v.get("bytes").isJsonNull() ? null : v.get("bytes").getAsLong(),
                    agreement(v.get("agreement"))));
        }
        List<Latency> latency = new ArrayList<>();
        for (JsonElement e : o.getAsJsonArray("latency")) {
            JsonObject l = e.getAsJsonObject();
            latency.add(new Latency(str(l, "variant"), l.get("threads").getAsInt(), str(l, "input"), l.get("runs").getAsInt(),
                    l.get("warmup_runs").getAsInt(), num(l, "median_ms"), num(l, "p10_ms"), num(l, "p90_ms"),
                    num(l, "p99_ms"), num(l, "mean_ms"), num(l, "stdev_ms"), num(l, "min_ms"), num(l, "max_ms"),
                    optNum(l, "load_ms"), optNum(l, "first_inference_ms"), null, optNum(l, "ratio_to_fp32_eager"),
                    str(l, "timer"), null, str(l, "input_layout"), optNum(l, "input_conversion_ms")));
        }
        return new PythonResult("ran", null, pythonLabel, str(o, "torch"), str(o, "torchvision"), strings(o.getAsJsonArray("quantized_engines")),
                variants, latency, strings(o.getAsJsonArray("notes")));
    }

    private static Agreement agreement(JsonElement e) {
        if (e == null || e.isJsonNull()) return null;
        JsonObject a = e.getAsJsonObject();
        Double sqnr = optNum(a, "sqnr_db");
        return new Agreement(a.get("samples").getAsInt(), num(a, "max_abs_diff"), num(a, "mean_abs_diff"), num(a, "cosine"),
                sqnr == null ? Double.POSITIVE_INFINITY : sqnr, num(a, "top1"), num(a, "top5"),
                a.has("reference_max_abs") ? num(a, "reference_max_abs") : Double.NaN);
    }

    private static List<String> strings(JsonArray a) {
        List<String> out = new ArrayList<>();
        if (a != null) for (JsonElement e : a) out.add(e.getAsString());
        return out;
    }

    private static String str(JsonObject o, String key) {
        JsonElement e = o.get(key);
        return e == null || e.isJsonNull() ? null : e.getAsString();
    }

    private static double num(JsonObject o, String key) {
        Double d = optNum(o, key);
        if (d == null) throw new UserError("python: result field " + key + " is missing");
        return d;
    }

    private static Double optNum(JsonObject o, String key) {
        JsonElement e = o.get(key);
        return e == null || e.isJsonNull() ? null : e.getAsDouble();
    }

}
