package org.edgetorch.cli;

import org.edgetorch.runtime.Model;
import org.edgetorch.runtime.ModelFormat;
import org.edgetorch.runtime.Runtimes;
import org.edgetorch.image.ImageInput;
import org.edgetorch.image.ImageInputs;
import org.edgetorch.image.StudyImages;
import org.edgetorch.jit.Verification;
import org.edgetorch.nn.TorchvisionModel;
import org.edgetorch.tensor.Agreement;
import org.edgetorch.util.Json;
import org.edgetorch.util.UserError;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;

@Command(name = "verify", mixinStandardHelpOptions = true,
        description = "Check a model file (.pt, .ptl, .onnx) against the eager Java model with the same weights; exit 1 beyond the tolerance.")
public final class VerifyCommand implements Callable<Integer> {
    @picocli.CommandLine.Spec
    picocli.CommandLine.Model.CommandSpec spec;


    @Option(names = "--model", required = true, paramLabel = "FILE", description = "Model file: TorchScript (its own weights are used for the eager model), or ONNX (exported from --arch/--weights/--seed).")
    Path model;

    @Option(names = "--images", paramLabel = "IMAGE|DIR", split = ",", description = "Real images (default: the bundled held-out photos).")
    List<Path> images;

    @Option(names = "--random", paramLabel = "N", description = "Random inputs besides the images (default: 2).")
    int random = 2;

    @Option(names = "--tolerance", paramLabel = "ABS", description = "Largest allowed absolute logit difference (default: 1e-4).")
    double tolerance = Verification.DEFAULT_TOLERANCE;

    @Option(names = "--reference", paramLabel = "FILE.json",
            description = "Instead of the eager model, check against another machine's outputs saved with --save-io "
                    + "(runs this model on that machine's exact input tensors); works on every backend, e.g. on ARM.")
    Path reference;

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

    @Override
    public Integer call() {
        if (random < 0) throw new UserError("--random must be >= 0");
        List<ImageInput> inputs = images == null ? StudyImages.heldOut() : ImageInputs.collect(images, imageOptions.preprocessor());
        if (reference != null) return verifyAgainstReference();
        runtime.apply();
        xnnpack.apply();
        Verification.Result r;
        ModelFormat format = ModelFormat.of(model);
        // A TorchScript file carries its parameters: the eager model takes them. Other formats are compared
        // with the eager model of --arch/--weights/--seed, which must be what they were exported from.
        TorchvisionModel eager = format == ModelFormat.ONNX || format == ModelFormat.TFLITE ? modelOptions.create() : TorchvisionModel.fromScriptFile(model);
        if (eager == null) {
            throw new UserError(model + ": its parameters are not those of a built-in architecture (mobilenet_v2, resnet18), "
                    + "so there is no eager model to compare with");
        }
        try (eager; Model loaded = Runtimes.load(model)) {
            r = Verification.run(loaded, eager, inputs, random, tolerance);
        }
        if (output.json) {
            Map<String, Object> doc = new LinkedHashMap<>();
            doc.put("schema", "edgetorch.verify/1");
            doc.put("model", model.toString());
            doc.put("tolerance", tolerance);
            doc.put("passed", r.passed());
            doc.put("random", r.random());
            doc.put("images", r.images());
            out().println(Json.write(doc));
        } else {
            out().printf("%-8s %8s %14s %12s %8s %8s%n", "inputs", "samples", "max abs diff", "cosine", "top-1", "top-5");
            row("random", r.random());
            row("images", r.images());
            out().printf("%s: max abs diff %.3g %s tolerance %.1g%n", r.passed() ? "PASS" : "FAIL",
                    r.maxAbsDiff(), r.passed() ? "<=" : ">", tolerance);
        }
        return r.passed() ? 0 : 1;
    }

    private int verifyAgainstReference() {
        var ref = org.edgetorch.crosscheck.IoFile.read(reference);
        Agreement a;
        runtime.apply();
        xnnpack.apply();
        try (Model m = Runtimes.load(model)) {
            a = org.edgetorch.crosscheck.ReferenceCheck.run(m, model, ref, reference);
        }
        boolean passed = a.maxAbsDiff() <= tolerance;
        if (output.json) {
            Map<String, Object> doc = new LinkedHashMap<>();
            doc.put("schema", "edgetorch.verify/1");
            doc.put("model", model.toString());
            doc.put("reference", reference.toString());
            doc.put("reference_machine", ref.machine());
            doc.put("tolerance", tolerance);
            doc.put("passed", passed);
            doc.put("reference_outputs", a);
            out().println(Json.write(doc));
        } else {
            out().printf("%-9s %8s %14s %12s %8s %8s%n", "inputs", "samples", "max abs diff", "cosine", "top-1", "top-5");
            row("reference", a);
            out().printf("%s: max abs diff %.3g %s tolerance %.1g (against %s, LibTorch %s)%n", passed ? "PASS" : "FAIL",
                    a.maxAbsDiff(), passed ? "<=" : ">", tolerance, ref.machine().get("platform"), ref.machine().get("libtorch"));
        }
        return passed ? 0 : 1;
    }

    private void row(String name, Agreement a) {
        if (a == null) return;
        out().printf("%-8s %8d %14.3g %12.8f %7.0f%% %7.0f%%%n", name, a.samples(), a.maxAbsDiff(), a.cosine(),
                100 * a.top1(), 100 * a.top5());
    }

    /** This command's output stream (picocli's, so the command can be run and captured in process). */
    private java.io.PrintWriter out() {
        return spec.commandLine().getOut();
    }
}
