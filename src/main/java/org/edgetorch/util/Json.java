package org.edgetorch.util;

import com.google.gson.Gson;
import com.google.gson.GsonBuilder;
import com.google.gson.JsonElement;
import com.google.gson.JsonParseException;
import com.google.gson.JsonParser;

import java.nio.charset.StandardCharsets;
import java.nio.file.Path;

/** JSON output for {@code --json} and report files: pretty, stable key order (insertion order). */
public final class Json {
    private static final Gson GSON = new GsonBuilder()
            .setPrettyPrinting()
            .disableHtmlEscaping()
            .serializeSpecialFloatingPointValues()
            .create();

    /** Nesting deeper than any file edgetorch reads or writes; Gson's parser recurses per level. */
    public static final int MAX_DEPTH = 64;

    private Json() {
    }

    public static String write(Object value) {
        return GSON.toJson(value);
    }

    public static JsonElement parse(String text) {
        return JsonParser.parseString(text);
    }

    public static <T> T read(String text, Class<T> type) {
        return GSON.fromJson(text, type);
    }

    /**
     * The one bounded reader for JSON input files (io files, reports, metadata of any runtime): a regular
     * file of at most {@code maxBytes}, nested at most {@link #MAX_DEPTH} levels, checked before parsing so
     * that a hostile file costs neither the stack nor the heap. Failures are one-line {@link UserError}s
     * naming the file; {@code what} names the kind of file ("an io file").
     */
    public static JsonElement readFile(Path file, long maxBytes, String what) {
        String text = new String(InputFiles.readBounded(file, maxBytes, what), StandardCharsets.UTF_8);
        if (text.isBlank()) throw new UserError(file + ": empty file, expected " + what + " (JSON)");
        int depth = depth(text);
        if (depth > MAX_DEPTH) {
            throw new UserError(file + ": JSON nested " + depth + "+ levels deep, more than the " + MAX_DEPTH
                    + " " + what + " can have");
        }
        try {
            return JsonParser.parseString(text);
        } catch (JsonParseException e) {
            throw new UserError(file + ": not valid JSON (" + firstLine(e.getMessage()) + "), expected " + what);
        }
    }

    /** Deepest nesting of arrays and objects outside strings; stops counting past {@link #MAX_DEPTH}. */
    public static int depth(String text) {
        int depth = 0, max = 0;
        boolean inString = false;
        for (int i = 0; i < text.length(); i++) {
            char c = text.charAt(i);
            if (inString) {
                if (c == '\\') i++;
                else if (c == '"') inString = false;
            } else if (c == '"') {
                inString = true;
            } else if (c == '[' || c == '{') {
                if (++depth > max) max = depth;
                if (max > MAX_DEPTH) return max;
            } else if (c == ']' || c == '}') {
                depth--;
            }
        }
        return max;
    }

    private static String firstLine(String m) {
        if (m == null) return "malformed";
        int nl = m.indexOf('\n');
        return nl < 0 ? m : m.substring(0, nl);
    }
}
