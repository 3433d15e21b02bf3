package org.edgetorch.cli;

import org.edgetorch.runtime.Model;
import org.edgetorch.bench.BenchTargets;
import org.edgetorch.image.ImageInput;
import org.edgetorch.image.ImageInputs;
import org.edgetorch.image.LabelledImages;
import org.edgetorch.nn.BuiltInModels;
import org.edgetorch.nn.TorchvisionModel;
import org.edgetorch.quant.QuantizedModels;
import org.edgetorch.tensor.Accuracy;
import org.edgetorch.util.Json;
import org.edgetorch.util.UserError;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;
import picocli.CommandLine.Model.CommandSpec;

import java.io.PrintWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

@Command(name = "accuracy", mixinStandardHelpOptions = true, sortOptions = false,
        description = {"Top-1 and top-5 accuracy of each model on labelled images.",
                "Labels: ImageNet-style class folders (DIR/<class index or WordNet id>/<image>) or a labels file "
                        + "(lines '<image path relative to DIR> <class index or WordNet id>'; DIR/labels.txt is used when present).",
                "Table on stdout (or --json, schema " + AccuracyCommand.SCHEMA + "); progress on stderr."})
public final class AccuracyCommand implements Runnable {
    static final String SCHEMA = "edgetorch.accuracy/1";
    /** Images per forward call: big enough to amortize the call, small enough for a Raspberry Pi's memory. */
    static final int BATCH = 16;

    @Option(names = "--images", required = true, paramLabel = "DIR", description = "Labelled images (see above).")
    Path images;

    @Option(names = "--labels", paramLabel = "FILE", description = "Labels file (default: DIR/labels.txt when present, else class folders).")
    Path labels;

    @Option(names = "--synsets", paramLabel = "FILE",
            description = "WordNet ids in class-index order (ImageNet's LOC_synset_mapping.txt); needed for WordNet-id labels "
                    + "unless the folder has all 1000 class folders.")
    Path synsets;

    @Option(names = "--model", required = true, paramLabel = "SPEC",
            description = "eager (the Java model of --arch, or eager:ARCH), or a .pt/.ptl/.onnx file; repeat to compare.")
    List<String> models;

    @Option(names = "--limit", paramLabel = "N", description = "Use the first N images only (default: all).")
    Integer limit;

    @Option(names = "--json", description = "Print JSON instead of the table.")
    boolean json;

    @Mixin
    ModelOptions modelOptions;

    @Mixin
    RuntimeOptions runtime;

    @Mixin
    ImageOptions imageOptions;

    @Spec
    CommandSpec spec;

    @Override
    public void run() {
        if (limit != null && limit < 1) throw new UserError("--limit must be at least 1, got " + limit);
        if (labels != null && !Files.isRegularFile(labels)) throw new UserError("--labels " + labels + ": no such file");
        if (synsets != null && !Files.isRegularFile(synsets)) throw new UserError("--synsets " + synsets + ": no such file");
        for (String m : models) {
            if (!BenchTargets.isEager(m) && !Files.isRegularFile(Path.of(m))) throw new UserError("--model " + m + ": no such file");
        }
        LabelledImages.Set set = LabelledImages.find(images, labels, synsets);
        List<LabelledImages.Labelled> items = limit == null || limit >= set.images().size() ? set.images() : set.images().subList(0, limit);
        PrintWriter err = spec.commandLine().getErr();
        runtime.backend();
        List<Row> rows = new ArrayList<>();
        for (String m : models) {
            err.println("accuracy: " + m + " on " + items.size() + " images");
            err.flush();
            rows.add(measure(m, items));
        }
        print(set, items.size(), rows);
    }

    /** @param trained null when unknown (a model file), else whether the eager model has real weights */
    record Row(String model, Accuracy accuracy, Boolean trained) {
    }

    private Row measure(String spec, List<LabelledImages.Labelled> items) {
        Model model;
        Boolean trained = null;
        if (BenchTargets.isEager(spec)) {
            String arch = spec.equals(BenchTargets.EAGER) ? modelOptions.arch : spec.substring(BenchTargets.EAGER.length() + 1);
            TorchvisionModel t = BuiltInModels.create(arch, modelOptions.weights, modelOptions.seed);
            trained = t.trained();
            model = t;
        } else {
            model = org.edgetorch.runtime.Runtimes.load(Path.of(spec));
        }
        try {
            Accuracy total = new Accuracy(0, Double.NaN, Double.NaN);
            for (int from = 0; from < items.size(); from += BATCH) {
                List<LabelledImages.Labelled> batch = items.subList(from, Math.min(items.size(), from + BATCH));
                List<ImageInput> inputs = new ArrayList<>();
                for (LabelledImages.Labelled l : batch) inputs.add(ImageInputs.load(l.file(), imageOptions.preprocessor()));
                int[] truth = batch.stream().mapToInt(LabelledImages.Labelled::label).toArray();
                total = total.plus(Accuracy.of(model.forward(ImageInputs.batch(inputs)), truth));
            }
            return new Row(spec, total, trained);
        } finally {
            model.close();
        }
    }

    private void print(LabelledImages.Set set, int n, List<Row> rows) {
        PrintWriter out = spec.commandLine().getOut();
        boolean untrained = rows.stream().anyMatch(r -> Boolean.FALSE.equals(r.trained()));
        if (json) {
            Map<String, Object> doc = new LinkedHashMap<>();
            doc.put("schema", SCHEMA);
            doc.put("images", images.toString());
            doc.put("labels", set.how());
            doc.put("samples", n);
            List<Map<String, Object>> ms = new ArrayList<>();
            for (Row r : rows) {
                Map<String, Object> m = new LinkedHashMap<>();
                m.put("model", r.model());
                m.put("top1", r.accuracy().top1());
                m.put("top5", r.accuracy().top5());
                if (r.trained() != null) m.put("trained_weights", r.trained());
                ms.add(m);
            }
            doc.put("models", ms);
            if (untrained) doc.put("note", "untrained weights: " + BuiltInModels.UNTRAINED_NOTE);
            out.println(Json.write(doc));
        } else {
            out.printf(Locale.ROOT, "%d images, labels from %s%n", n, set.how());
            int w = Math.max("model".length(), rows.stream().mapToInt(r -> r.model().length()).max().orElse(5));
            out.printf(Locale.ROOT, "%-" + w + "s %7s %7s%n", "model", "top-1", "top-5");
            for (Row r : rows) {
                out.printf(Locale.ROOT, "%-" + w + "s %6.1f%% %6.1f%%%s%n", r.model(), 100 * r.accuracy().top1(), 100 * r.accuracy().top5(),
                        Boolean.FALSE.equals(r.trained()) ? "  (untrained: meaningless)" : "");
            }
            if (untrained) out.println("note: " + BuiltInModels.UNTRAINED_NOTE);
        }
        out.flush();
    }
}
