package org.edgetorch.image;

import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;

/**
 * The 1000 ImageNet-1k class names in the standard index order (resource
 * {@code /org/edgetorch/imagenet_classes.txt}, see its SOURCES.md). Each line lists synonyms
 * separated by commas; the short name is the first of them ("tench" for "tench, Tinca tinca").
 */
public final class ImageNetLabels {
    public static final int COUNT = 1000;
    private static final String RESOURCE = "/org/edgetorch/imagenet_classes.txt";
    private static List<String> full;
    private static List<String> short_;

    private ImageNetLabels() {
    }

    /** Short names, index = class index. */
    public static synchronized List<String> all() {
        if (short_ == null) {
            List<String> s = new ArrayList<>(COUNT);
            for (String line : full()) s.add(line.split(",", 2)[0].trim());
            short_ = List.copyOf(s);
        }
        return short_;
    }

    /** Full lines with every synonym, index = class index. */
    public static synchronized List<String> full() {
        if (full == null) {
            try (InputStream in = ImageNetLabels.class.getResourceAsStream(RESOURCE)) {
                if (in == null) throw new IllegalStateException(RESOURCE + " missing from the jar");
                List<String> lines = new ArrayList<>(COUNT);
                for (String line : new String(in.readAllBytes(), StandardCharsets.UTF_8).split("\r?\n")) {
                    if (!line.isBlank()) lines.add(line.trim());
                }
                if (lines.size() != COUNT) throw new IllegalStateException(RESOURCE + " has " + lines.size() + " labels, expected " + COUNT);
                full = List.copyOf(lines);
            } catch (IOException e) {
                throw new IllegalStateException("cannot read " + RESOURCE, e);
            }
        }
        return full;
    }

    /** Short name of class {@code index}. */
    public static String name(int index) {
        return all().get(index);
    }

    /** All synonyms of class {@code index}. */
    public static String fullName(int index) {
        return full().get(index);
    }
}
