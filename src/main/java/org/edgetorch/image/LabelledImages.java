package org.edgetorch.image;

import org.edgetorch.util.UserError;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.regex.Pattern;

/**
 * Images with their ImageNet class, for top-1/top-5 accuracy. A folder is labelled in one of two ways:
 * <ul>
 *   <li>class folders, ImageNet style: {@code DIR/<class>/<image>}, where {@code <class>} is a class index
 *       ({@code 0} to {@code 999}) or a WordNet id ({@code n01440764}). WordNet ids map to indices through a
 *       synset file ({@code LOC_synset_mapping.txt}: one {@code nXXXXXXXX name} per line, in class-index order), or,
 *       when the folder holds all 1000 classes, through their sorted order, which is how ILSVRC-2012 and
 *       torchvision number them;</li>
 *   <li>a labels file: lines {@code <image path relative to DIR> <class index or WordNet id>}; {@code #} comments.</li>
 * </ul>
 */
public final class LabelledImages {
    /** The labels file looked for in DIR when none is given. */
    public static final String DEFAULT_LABELS = "labels.txt";
    private static final Pattern WNID = Pattern.compile("n\\d{8}");
    private static final Pattern INDEX = Pattern.compile("\\d{1,4}");

    private LabelledImages() {
    }

    /** One image and its class index. */
    public record Labelled(Path file, int label) {
    }

    /** @param how a sentence for the report: where the labels came from */
    public record Set(List<Labelled> images, String how) {
        public List<Path> files() {
            return images.stream().map(Labelled::file).toList();
        }

        public int[] labels() {
            return images.stream().mapToInt(Labelled::label).toArray();
        }
    }

    /** Whether {@code dir} looks labelled: a labels file, or class subfolders. */
    public static boolean isLabelled(Path dir) {
        return Files.isDirectory(dir) && (Files.isRegularFile(dir.resolve(DEFAULT_LABELS)) || !classFolders(dir).isEmpty());
    }

    /**
     * @param labels  a labels file, or null for {@code DIR/labels.txt} when present, else class folders
     * @param synsets a synset mapping file, or null
     */
    public static Set find(Path dir, Path labels, Path synsets) {
        if (!Files.isDirectory(dir)) throw new UserError(dir + ": not a directory of labelled images");
        Map<String, Integer> wnids = synsets == null ? null : readSynsets(synsets);
        Path labelFile = labels != null ? labels : Files.isRegularFile(dir.resolve(DEFAULT_LABELS)) ? dir.resolve(DEFAULT_LABELS) : null;
        Set set = labelFile != null ? fromLabelsFile(dir, labelFile, wnids) : fromClassFolders(dir, wnids);
        if (set.images().isEmpty()) throw new UserError(dir + ": no labelled images found");
        return set;
    }

    private static Set fromClassFolders(Path dir, Map<String, Integer> wnids) {
        List<Path> folders = classFolders(dir);
        if (folders.isEmpty()) {
            throw new UserError(dir + ": no class folders (named 0..999 or n01440764...) and no " + DEFAULT_LABELS
                    + "; give --labels FILE");
        }
        boolean allWnids = folders.stream().allMatch(f -> WNID.matcher(name(f)).matches());
        String how;
        if (allWnids && wnids == null) {
            if (folders.size() != 1000) {
                throw new UserError(dir + ": the class folders are WordNet ids but not all 1000 classes (" + folders.size()
                        + "); give --synsets LOC_synset_mapping.txt to number them");
            }
            wnids = new HashMap<>();
            for (int i = 0; i < folders.size(); i++) wnids.put(name(folders.get(i)), i);  // sorted: ILSVRC order
            how = "class folders (WordNet ids, numbered in sorted order as ILSVRC-2012)";
        } else {
            how = allWnids ? "class folders (WordNet ids, numbered by the synset file)" : "class folders (class indices)";
        }
        List<Labelled> out = new ArrayList<>();
        for (Path f : folders) {
            int label = label(name(f), wnids, f.toString());
            for (Path image : ImageInputs.expand(List.of(f))) out.add(new Labelled(image, label));
        }
        return new Set(out, how);
    }

    private static Set fromLabelsFile(Path dir, Path file, Map<String, Integer> wnids) {
        List<Labelled> out = new ArrayList<>();
        List<String> lines;
        try {
            lines = Files.readAllLines(file, StandardCharsets.UTF_8);
        } catch (IOException e) {
            throw new UserError(file + ": cannot read: " + e.getMessage());
        }
        for (int n = 0; n < lines.size(); n++) {
            String line = lines.get(n).strip();
            if (line.isEmpty() || line.startsWith("#")) continue;
            int cut = Math.max(line.lastIndexOf(' '), line.lastIndexOf('\t'));
            if (cut < 0) throw new UserError(file + ":" + (n + 1) + ": expected '<image> <class index or WordNet id>'");
            String where = file + ":" + (n + 1);
            Path image = dir.resolve(line.substring(0, cut).strip());
            if (!Files.isRegularFile(image)) throw new UserError(where + ": " + image + ": no such file");
            out.add(new Labelled(image, label(line.substring(cut + 1).strip(), wnids, where)));
        }
        return new Set(out, "labels file " + file.getFileName());
    }

    private static int label(String text, Map<String, Integer> wnids, String where) {
        if (INDEX.matcher(text).matches()) {
            int i = Integer.parseInt(text);
            if (i < ImageNetLabels.COUNT) return i;
            throw new UserError(where + ": class index " + i + " is not below " + ImageNetLabels.COUNT);
        }
        if (WNID.matcher(text).matches()) {
            if (wnids == null) throw new UserError(where + ": WordNet id " + text + " needs --synsets LOC_synset_mapping.txt");
            Integer i = wnids.get(text);
            if (i == null) throw new UserError(where + ": WordNet id " + text + " is not in the synset file");
            return i;
        }
        throw new UserError(where + ": '" + text + "' is neither a class index (0..999) nor a WordNet id (n01440764)");
    }

    static Map<String, Integer> readSynsets(Path file) {
        Map<String, Integer> m = new HashMap<>();
        try {
            int index = 0;
            for (String line : Files.readAllLines(file, StandardCharsets.UTF_8)) {
                String s = line.strip();
                if (s.isEmpty()) continue;
                String id = s.split("\\s+", 2)[0];
                if (!WNID.matcher(id).matches()) throw new UserError(file + ": '" + id + "' is not a WordNet id");
                m.put(id, index++);
            }
        } catch (IOException e) {
            throw new UserError(file + ": cannot read: " + e.getMessage());
        }
        if (m.size() != ImageNetLabels.COUNT) throw new UserError(file + ": " + m.size() + " synsets, expected " + ImageNetLabels.COUNT);
        return m;
    }

    private static List<Path> classFolders(Path dir) {
        List<Path> out = new ArrayList<>();
        try (DirectoryStream<Path> ds = Files.newDirectoryStream(dir)) {
            for (Path p : ds) {
                String n = name(p);
                if (Files.isDirectory(p) && (WNID.matcher(n).matches() || INDEX.matcher(n).matches())) out.add(p);
            }
        } catch (IOException e) {
            throw new UserError(dir + ": cannot list directory: " + e.getMessage());
        }
        out.sort(Comparator.comparing(LabelledImages::name));
        return out;
    }

    private static String name(Path p) {
        return p.getFileName().toString().toLowerCase(Locale.ROOT);
    }
}
