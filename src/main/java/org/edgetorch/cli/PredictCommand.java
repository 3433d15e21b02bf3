package org.edgetorch.cli;

import org.edgetorch.runtime.Model;
import org.edgetorch.image.ImageInput;
import org.edgetorch.image.ImageInputs;
import org.edgetorch.image.ImageNetLabels;
import org.edgetorch.nn.BuiltInModels;
import org.edgetorch.nn.TorchvisionModel;
import org.edgetorch.tensor.FloatTensor;
import org.edgetorch.tensor.TopK;
import org.edgetorch.util.Json;
import org.edgetorch.util.UserError;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

@Command(name = "predict", mixinStandardHelpOptions = true,
        description = "Top-k ImageNet classes per image, from the built-in MobileNet-V2 or a TorchScript file.")
public final class PredictCommand implements Runnable {
    @picocli.CommandLine.Spec
    picocli.CommandLine.Model.CommandSpec spec;


    @Parameters(paramLabel = "IMAGE|DIR", arity = "1..*", description = "Image files or directories of images.")
    List<Path> images;

    @Option(names = "--model", paramLabel = "FILE", description = "TorchScript (.pt) or lite-interpreter (.ptl) file instead of the built-in model.")
    Path model;

    @Option(names = "--topk", paramLabel = "K", description = "Classes shown per image (default: 5).")
    int topk = 5;

    @Option(names = "--batch", paramLabel = "N", description = "Images per forward pass (default: 8).")
    int batch = 8;

    @Mixin
    ModelOptions modelOptions;

    @Mixin
    ImageOptions imageOptions;

    @Mixin
    RuntimeOptions runtime;

    @Mixin
    XnnpackOption xnnpack;

    @Mixin
    OutputOptions output;

    @Mixin
    SaveIoOptions saveIo;

    @Override
    public void run() {
        if (topk < 1 || topk > ImageNetLabels.COUNT) throw new UserError("--topk must be between 1 and 1000, got " + topk);
        if (batch < 1) throw new UserError("--batch must be at least 1, got " + batch);
        // images are decoded batch by batch (memory stays flat with the image count); names are kept
        List<Path> files = ImageInputs.expand(images);
        org.edgetorch.image.ImagePreprocessor pre = imageOptions.preprocessor();
        List<String> names = new ArrayList<>();
        runtime.apply();
        xnnpack.apply();
        Boolean trained; // null: a model file that does not say where its weights came from
        String source;
        List<FloatTensor> logits = new ArrayList<>();
        org.edgetorch.crosscheck.IoRecorder recorder = saveIo.recorder("predict", runtime::backend,
                "OpenCV decode, shorter side 256 (" + imageOptions.resize + "), center crop 224, ImageNet mean/std");
        org.edgetorch.crosscheck.PredictIo io = recorder == null ? null : new org.edgetorch.crosscheck.PredictIo(recorder, saveIo.saveIo);
        try (Model m = model != null ? org.edgetorch.runtime.Runtimes.load(model) : modelOptions.create()) {
            trained = m instanceof TorchvisionModel tm ? Boolean.valueOf(tm.trained())
                    : org.edgetorch.backend.WeightsProvenance.trained(model).orElse(null);
            source = m.source();
            if (io != null) io.model(org.edgetorch.crosscheck.PredictIo.variantName(m, model, modelOptions.arch),
                    org.edgetorch.crosscheck.PredictIo.kind(model), source);
            for (int i = 0; i < files.size(); i += batch) {
                List<ImageInput> chunk = new ArrayList<>();
                for (Path f : files.subList(i, Math.min(files.size(), i + batch))) chunk.add(ImageInputs.load(f, pre));
                chunk.forEach(in -> names.add(in.name()));
                long t0 = System.nanoTime();
                FloatTensor out = m.forward(ImageInputs.batch(chunk));
                if (io != null) io.batch(chunk, out, System.nanoTime() - t0);
                logits.add(out);
            }
            if (io != null) io.finish(m);
        }
        List<Map<String, Object>> results = new ArrayList<>();
        int index = 0;
        for (FloatTensor out : logits) {
            if (out.dim() != 2 || out.size(1) != ImageNetLabels.COUNT) {
                throw new UserError(source + ": output " + out.shapeString() + " is not [N, 1000] ImageNet logits");
            }
            for (int r = 0; r < out.size(0); r++) {
                float[] row = out.row(r);
                for (float v : row) {
                    if (!Float.isFinite(v)) {
                        throw new UserError(source + ": output for " + names.get(index) + " holds " + v
                                + " (its weights or the input hold NaN or infinity); no prediction");
                    }
                }
                double[] p = TopK.softmax(row);
                List<Map<String, Object>> top = new ArrayList<>();
                for (int k : TopK.indices(row, topk)) {
                    Map<String, Object> e = new LinkedHashMap<>();
                    e.put("index", k);
                    e.put("label", ImageNetLabels.name(k));
                    e.put("probability", p[k]);
                    e.put("logit", row[k]);
                    top.add(e);
                }
                Map<String, Object> res = new LinkedHashMap<>();
                res.put("image", names.get(index++));
                res.put("top", top);
                results.add(res);
            }
        }
        if (output.json) {
            Map<String, Object> doc = new LinkedHashMap<>();
            doc.put("schema", "edgetorch.predict/1");
            doc.put("model", source);
            doc.put("trained_weights", trained); // left out when the file does not say
            doc.put("weights_origin", model == null ? null : org.edgetorch.backend.WeightsProvenance.origin(model).orElse("unknown"));
            doc.put("results", results);
            out().println(Json.write(doc));
            return;
        }
        out().println("model: " + source);
        if (Boolean.FALSE.equals(trained)) out().println("(untrained weights: the classes below are meaningless)");
        if (trained == null) out().println("(weights of unknown provenance: the file does not record whether they are trained)");
        for (Map<String, Object> res : results) {
            out().println(res.get("image"));
            @SuppressWarnings("unchecked")
            List<Map<String, Object>> top = (List<Map<String, Object>>) res.get("top");
            int rank = 1;
            for (Map<String, Object> e : top) {
                out().printf("  %d. %-32s %6.2f%%  (class %d)%n", rank++, e.get("label"),
                        100 * (double) e.get("probability"), (int) e.get("index"));
            }
        }
    }

    /** This command's output stream (picocli's, so the command can be run and captured in process). */
    private java.io.PrintWriter out() {
        return spec.commandLine().getOut();
    }
}
