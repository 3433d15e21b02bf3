package org.edgetorch.quant;

import com.google.gson.JsonElement;
import com.google.gson.JsonObject;
import org.edgetorch.util.Json;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.Enumeration;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Optional;
import java.util.zip.ZipEntry;
import java.util.zip.ZipFile;

/**
 * The note edgetorch writes into a quantized TorchScript archive ({@code extra/edgetorch_quantization.json}).
 * It matters at load time: LibTorch repacks the weights (their __setstate__) for whatever engine is
 * selected when the file is loaded, and non-packed quantized ops (add, pooling) pick their kernels by
 * the engine selected when they run, so a reader should select the recorded engine first.
 */
public final class QuantizedArchive {
    public static final String EXTRA_FILE = "edgetorch_quantization.json";
    public static final int FORMAT = 1;

    private QuantizedArchive() {
    }

    static String metadata(String mode, String engine, Map<String, Object> more) {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("format", FORMAT);
        m.put("mode", mode);
        m.put("engine", engine);
        m.putAll(more);
        return Json.write(m);
    }

    /** The quantized engine recorded in a file edgetorch wrote; empty for other files. Reads the zip in Java. */
    public static Optional<String> engineOf(Path file) {
        return read(file).map(o -> o.has("engine") ? o.get("engine").getAsString() : null);
    }

    public static Optional<JsonObject> read(Path file) {
        // a FIFO would block the zip reader: only regular files are read (the loader says why not)
        if (!java.nio.file.Files.isRegularFile(file)) return Optional.empty();
        try (ZipFile zip = new ZipFile(file.toFile())) {
            Enumeration<? extends ZipEntry> entries = zip.entries();
            while (entries.hasMoreElements()) {
                ZipEntry e = entries.nextElement();
                if (e.getName().endsWith("/extra/" + EXTRA_FILE)) {
                    String text = new String(zip.getInputStream(e).readAllBytes(), StandardCharsets.UTF_8);
                    JsonElement j = Json.parse(text);
                    return j.isJsonObject() ? Optional.of(j.getAsJsonObject()) : Optional.empty();
                }
            }
        } catch (IOException | RuntimeException e) {
            return Optional.empty();
        }
        return Optional.empty();
    }
}
