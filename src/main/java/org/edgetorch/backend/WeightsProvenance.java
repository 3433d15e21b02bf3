package org.edgetorch.backend;

import com.google.gson.JsonElement;
import com.google.gson.JsonObject;
import org.edgetorch.util.Json;

import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Enumeration;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Optional;
import java.util.zip.ZipEntry;
import java.util.zip.ZipFile;

/**
 * Where a model file's weights came from, recorded by {@code export} in the archive's
 * {@code extra/}{@value #EXTRA_FILE} and carried by {@code optimize} and {@code quantize} into the files
 * they write, so that {@code predict} on any of them can say whether the weights are trained. A file
 * without the record (written by PyTorch, or an older edgetorch) has unknown provenance.
 */
public final class WeightsProvenance {
    public static final String EXTRA_FILE = "edgetorch_weights.json";
    private static final long MAX_BYTES = 1 << 16;

    private WeightsProvenance() {
    }

    /** The record's JSON: {@code {"trained": ..., "origin": ..., "arch": ...}}. */
    public static String json(boolean trained, String origin, String arch) {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("trained", trained);
        m.put("origin", origin);
        m.put("arch", arch);
        return Json.write(m);
    }

    /** The record's text in {@code file}, if it has one. */
    public static Optional<String> text(Path file) {
        if (!Files.isRegularFile(file)) return Optional.empty();
        try (ZipFile zip = new ZipFile(file.toFile())) {
            Enumeration<? extends ZipEntry> entries = zip.entries();
            while (entries.hasMoreElements()) {
                ZipEntry e = entries.nextElement();
                if (!e.getName().endsWith("/extra/" + EXTRA_FILE) || e.getSize() > MAX_BYTES) continue;
                try (InputStream in = zip.getInputStream(e)) {
                    return Optional.of(new String(in.readNBytes((int) MAX_BYTES), StandardCharsets.UTF_8));
                }
            }
        } catch (IOException e) {
            return Optional.empty();
        }
        return Optional.empty();
    }

    /** Whether {@code file}'s weights are trained: empty when the file does not say. */
    public static Optional<Boolean> trained(Path file) {
        return record(file).map(o -> o.has("trained") && o.get("trained").isJsonPrimitive()
                ? o.get("trained").getAsBoolean() : null);
    }

    /** The origin the record gives (e.g. "seeded initialization, seed 0"), if any. */
    public static Optional<String> origin(Path file) {
        return record(file).map(o -> o.has("origin") && o.get("origin").isJsonPrimitive() ? o.get("origin").getAsString() : null);
    }

    private static Optional<JsonObject> record(Path file) {
        return text(file).flatMap(t -> {
            try {
                if (Json.depth(t) > Json.MAX_DEPTH) return Optional.empty();
                JsonElement j = Json.parse(t);
                return j.isJsonObject() ? Optional.of(j.getAsJsonObject()) : Optional.empty();
            } catch (RuntimeException e) {
                return Optional.empty();
            }
        });
    }
}
