package org.edgetorch.image;

import org.edgetorch.tensor.FloatTensor;
import org.edgetorch.util.UserError;

import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Locale;
import java.util.Set;

/** Turns the command line's IMAGE|DIR arguments, or the bundled photos, into preprocessed inputs. */
public final class ImageInputs {
    /** File name extensions picked up from a directory (any file given by name is read by content). */
    public static final Set<String> EXTENSIONS = Set.of("jpg", "jpeg", "png", "bmp", "webp");
    /** Where the bundled photos live on the classpath, with an index file listing them. */
    static final String BUNDLED_DIR = "/org/edgetorch/images/";
    static final String BUNDLED_INDEX = BUNDLED_DIR + "index.txt";
    private static final long MAX_FILE_BYTES = 512L << 20;

    private ImageInputs() {
    }

    /** Files and directories (a directory stands for its image files, sorted by name, not recursive). */
    public static List<ImageInput> collect(List<Path> filesOrDirs) {
        return collect(filesOrDirs, ImagePreprocessor.standard());
    }

    public static List<ImageInput> collect(List<Path> filesOrDirs, ImagePreprocessor pre) {
        List<ImageInput> out = new ArrayList<>();
        for (Path file : expand(filesOrDirs)) out.add(load(file, pre));
        return out;
    }

    /**
     * One image file. With {@link #expand} this lets a command stream many images in batches instead
     * of holding every tensor (600 KB each) at once.
     */
    public static ImageInput load(Path file, ImagePreprocessor pre) {
        String name = file.toString();
        return new ImageInput(name, pre.preprocess(read(file), name));
    }

    /** The image files {@code filesOrDirs} stands for, in order; checks existence, not content. */
    public static List<Path> expand(List<Path> filesOrDirs) {
        if (filesOrDirs.isEmpty()) throw new UserError("no images given");
        List<Path> files = new ArrayList<>();
        for (Path p : filesOrDirs) {
            if (Files.isDirectory(p)) {
                List<Path> images = listImages(p);
                if (images.isEmpty()) {
                    throw new UserError(p + ": no images in this directory (looked for ."
                            + String.join(", .", EXTENSIONS.stream().sorted().toList()) + ")");
                }
                files.addAll(images);
            } else if (Files.exists(p)) {
                files.add(p);
            } else {
                throw new UserError(p + ": no such file or directory");
            }
        }
        return files;
    }

    /** The photos bundled in the jar (see images/SOURCES.md), sorted by name, with the standard preprocessing. */
    public static List<ImageInput> bundled() {
        return bundled(ImagePreprocessor.standard());
    }

    public static List<ImageInput> bundled(ImagePreprocessor pre) {
        List<ImageInput> out = new ArrayList<>();
        for (String name : bundledNames()) out.add(new ImageInput(name, pre.preprocess(readBundled(name), name)));
        return out;
    }

    /** File names of the bundled photos, sorted. */
    public static List<String> bundledNames() {
        try (InputStream in = ImageInputs.class.getResourceAsStream(BUNDLED_INDEX)) {
            if (in == null) throw new IllegalStateException("bundled image index " + BUNDLED_INDEX + " missing from the jar");
            List<String> names = new ArrayList<>();
            for (String line : new String(in.readAllBytes(), StandardCharsets.UTF_8).split("\n")) {
                String n = line.trim();
                if (!n.isEmpty() && !n.startsWith("#")) names.add(n);
            }
            names.sort(Comparator.naturalOrder());
            return names;
        } catch (IOException e) {
            throw new IllegalStateException("cannot read " + BUNDLED_INDEX, e);
        }
    }

    /** The encoded bytes of one bundled photo. */
    public static byte[] readBundled(String name) {
        try (InputStream in = ImageInputs.class.getResourceAsStream(BUNDLED_DIR + name)) {
            if (in == null) throw new IllegalStateException("bundled image " + name + " listed but missing from the jar");
            return in.readAllBytes();
        } catch (IOException e) {
            throw new IllegalStateException("cannot read bundled image " + name, e);
        }
    }

    /** Stacks {@code [1,3,H,W]} inputs into one {@code [N,3,H,W]} batch, in order. */
    public static FloatTensor batch(List<ImageInput> inputs) {
        if (inputs.isEmpty()) throw new IllegalArgumentException("empty batch");
        long[] one = inputs.get(0).tensor().shape();
        int per = inputs.get(0).tensor().data().length;
        float[] data = new float[Math.multiplyExact(per, inputs.size())];
        for (int i = 0; i < inputs.size(); i++) {
            FloatTensor t = inputs.get(i).tensor();
            if (t.data().length != per || t.dim() != 4 || t.size(0) != 1) {
                throw new IllegalArgumentException(inputs.get(i).name() + ": tensor " + t.shapeString()
                        + " does not stack with " + java.util.Arrays.toString(one));
            }
            System.arraycopy(t.data(), 0, data, i * per, per);
        }
        return new FloatTensor(new long[]{inputs.size(), one[1], one[2], one[3]}, data);
    }

    static byte[] read(Path file) {
        try {
            org.edgetorch.util.InputFiles.requireRegularFile(file, "an image");
            long size = Files.size(file);
            if (size == 0) throw new UserError(file + ": empty file");
            if (size > MAX_FILE_BYTES) throw new UserError(file + ": file is too large for an image (" + size + " bytes)");
            return Files.readAllBytes(file);
        } catch (NoSuchFileException e) {
            throw new UserError(file + ": no such file or directory");
        } catch (IOException e) {
            throw new UserError(file + ": cannot read it: " + org.edgetorch.util.AtomicFiles.reason(e));
        }
    }

    private static List<Path> listImages(Path dir) {
        List<Path> images = new ArrayList<>();
        try (DirectoryStream<Path> ds = Files.newDirectoryStream(dir)) {
            for (Path p : ds) {
                String n = p.getFileName().toString();
                int dot = n.lastIndexOf('.');
                if (n.startsWith(".") || dot < 0) continue;
                if (EXTENSIONS.contains(n.substring(dot + 1).toLowerCase(Locale.ROOT)) && Files.isRegularFile(p)) images.add(p);
            }
        } catch (IOException e) {
            throw new UserError(dir + ": cannot list directory: " + org.edgetorch.util.AtomicFiles.reason(e));
        }
        images.sort(Comparator.comparing(p -> p.getFileName().toString()));
        return images;
    }
}
