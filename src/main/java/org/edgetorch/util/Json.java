package org.edgetorch.util;

import com.google.gson.Gson;
import com.google.gson.GsonBuilder;
import com.google.gson.JsonElement;
import com.google.gson.JsonParser;

/** JSON output for {@code --json} and report files: pretty, stable key order (insertion order). */
public final class Json {
    private static final Gson GSON = new GsonBuilder()
            .setPrettyPrinting()
            .disableHtmlEscaping()
            .serializeSpecialFloatingPointValues()
            .create();

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
}
