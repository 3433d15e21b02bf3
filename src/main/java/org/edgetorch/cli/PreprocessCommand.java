package org.edgetorch.cli;

import org.edgetorch.image.ImageInput;
import org.edgetorch.image.ImageInputs;
import org.edgetorch.image.ImagePreprocessor;
import org.edgetorch.tensor.FloatTensor;
import org.edgetorch.util.AtomicFiles;
import org.edgetorch.util.Json;
import org.edgetorch.util.UserError;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * Writes the model input tensors edgetorch computes for images, so they can be compared with other
 * pipelines (see bench/preprocess_vs_torchvision.py): per image {@code NAME.f32} (raw float32,
 * little-endian, NCHW) and {@code NAME.json} (shape, layout, source, resize mode).
 */
@Command(name = "preprocess", mixinStandardHelpOptions = true,
        description = {"Preprocess images as the model sees them and save the tensors.",
                "Writes NAME.f32 (raw float32 little-endian, shape [1,3,224,224], NCHW) and NAME.json per image.",
                "numpy: np.fromfile('NAME.f32', '<f4').reshape(1, 3, 224, 224)"})
public final class PreprocessCommand implements Runnable {
    @picocli.CommandLine.Spec
    picocli.CommandLine.Model.CommandSpec spec;


    @Parameters(paramLabel = "IMAGE|DIR", arity = "0..*", description = "Image files or directories of images.")
    List<Path> inputs = new ArrayList<>();

    @Option(names = "--bundled", description = "Preprocess the photos bundled in the jar (default when no IMAGE is given).")
    boolean bundled;

    @Option(names = "--out", paramLabel = "DIR", required = true, description = "Output folder.")
    Path out;

    @Mixin
    ImageOptions image;

    @Override
    public void run() {
        ImagePreprocessor pre = image.preprocessor();
        if (Files.exists(out) && !Files.isDirectory(out)) throw new UserError(out + ": exists and is not a directory");
        List<ImageInput> all = new ArrayList<>();
        if (bundled || inputs.isEmpty()) all.addAll(ImageInputs.bundled(pre));
        if (!inputs.isEmpty()) all.addAll(ImageInputs.collect(inputs, pre));
        Set<String> used = new HashSet<>();
        List<String> written = new ArrayList<>();
        // all or nothing: every tensor is staged, and only when all are written do they appear in --out
        try (AtomicFiles.Batch batch = AtomicFiles.Batch.in(out)) {
        for (ImageInput in : all) {
            String stem = uniqueStem(in.name(), used);
            FloatTensor t = in.tensor();
            ByteBuffer buf = ByteBuffer.allocate(t.data().length * 4).order(ByteOrder.LITTLE_ENDIAN);
            buf.asFloatBuffer().put(t.data());
            batch.writeBytes(out.resolve(stem + ".f32"), buf.array());
            Map<String, Object> meta = new LinkedHashMap<>();
            meta.put("source", in.name());
            meta.put("shape", t.shape());
            meta.put("dtype", "float32");
            meta.put("byte_order", "little");
            meta.put("layout", "NCHW, RGB");
            meta.put("resize", pre.resizeMode().id());
            meta.put("mean", ImagePreprocessor.MEAN);
            meta.put("std", ImagePreprocessor.STD);
            batch.writeString(out.resolve(stem + ".json"), Json.write(meta) + "\n");
            written.add(in.name() + " -> " + out.resolve(stem + ".f32"));
        }
        batch.commit();
        }
        written.forEach(out()::println);
    }

    /** File name without extension, made unique when two inputs share it (a.jpg and a.png, or two dirs). */
    private static String uniqueStem(String name, Set<String> used) {
        String file = Path.of(name).getFileName().toString();
        int dot = file.lastIndexOf('.');
        String stem = dot > 0 ? file.substring(0, dot) : file;
        String s = stem;
        for (int i = 2; !used.add(s); i++) s = stem + "-" + i;
        return s;
    }

    /** This command's output stream (picocli's, so the command can be run and captured in process). */
    private java.io.PrintWriter out() {
        return spec.commandLine().getOut();
    }
}
