package org.edgetorch.cli;

import org.edgetorch.backend.Backend;
import org.edgetorch.nn.Architectures;
import org.edgetorch.study.Progress;
import org.edgetorch.study.ReportFolder;
import org.edgetorch.study.StageRecord;
import org.edgetorch.study.Study;
import org.edgetorch.study.StudyOptions;
import org.edgetorch.study.StudyReport;
import org.edgetorch.study.StudyResult;
import org.edgetorch.util.UserError;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.ZonedDateTime;
import java.util.List;
import java.util.concurrent.Callable;

@Command(name = "study", mixinStandardHelpOptions = true,
        description = "The main job: every stage of the study with bundled defaults, then one report folder "
                + "(report.md, report.json, latency.png, size.png). Exit 1 if a stage failed (the report says which).")
public final class StudyCommand implements Callable<Integer> {

    @Option(names = "--out", paramLabel = "DIR",
            description = "Report folder (default: results/study-<UTC time>, with results/latest linking to the newest). "
                    + "An existing folder is replaced only if it is empty or holds an earlier report.")
    Path out;

    @Option(names = "--models", paramLabel = "DIR", description = "Where the artifacts (.pt, .ptl) go (default: models).")
    Path models = Path.of("models");

    @Option(names = "--threads", paramLabel = "N", split = ",", converter = OptionConverters.ThreadCount.class,
            description = "Intra-op thread counts; the latency stage runs once per count (default: 1 and all cores, e.g. 1,4 on a Raspberry Pi).")
    List<Integer> threads;

    @Option(names = "--calib", paramLabel = "IMAGE|DIR", split = ",",
            description = "Calibrate static INT8 on all these images (default: the 16 bundled calibration photos).")
    List<Path> calib;

    @Option(names = "--eval", paramLabel = "IMAGE|DIR", split = ",",
            description = "Agreement and accuracy figures on these images (default: the 10 bundled held-out photos). "
                    + "Class folders (ImageNet synsets or class indices) or a labels.txt give top-1/top-5 accuracy.")
    List<Path> eval;

    @Option(names = "--quick", description = "A short smoke-test version: fewer runs and images (figures indicative only).")
    boolean quick;

    @Option(names = "--with-python", description = "Also run bench/python_study.py with a Python that has torch and "
            + "torchvision (tries /usr/bin/python3, then python3) and put its figures beside edgetorch's.")
    boolean withPython;

    @Option(names = "--resources", paramLabel = "child|off",
            description = "child (default): each variant again alone in a child process for its memory (RSS after load, "
                    + "peak RSS), CPU over all threads and energy, at each thread count (with --quick: the first); off: skip that.")
    String resources = "child";

    @Option(names = "--model", paramLabel = "FILE",
            description = "Study your own FP32 TorchScript classifier (taking [N, 3, 224, 224] ImageNet-normalized images) "
                    + "instead of a built-in architecture: every INT8, mobile, ONNX and TFLite variant is made from it.")
    Path model;

    @Mixin
    ModelOptions modelOptions;

    @CommandLine.Spec
    CommandLine.Model.CommandSpec spec;

    @Override
    public Integer call() {
        Architectures.byName(modelOptions.arch);  // a wrong --arch fails before anything runs
        if (model != null) {
            org.edgetorch.util.InputFiles.requireRegularFile(model, "an FP32 TorchScript model");
            org.edgetorch.runtime.ModelFormat format = org.edgetorch.runtime.ModelFormat.of(model);
            if (format != org.edgetorch.runtime.ModelFormat.TORCHSCRIPT) {
                throw new UserError("--model " + model + ": the study starts from an FP32 TorchScript file (.pt), not a " + format.id + " file");
            }
            if (modelOptions.weights != null) {
                throw new CommandLine.ParameterException(spec.commandLine(), "--weights loads a built-in architecture; --model FILE brings its own weights");
            }
        }
        if (modelOptions.weights != null && !Files.isRegularFile(modelOptions.weights)) {
            throw new UserError("--weights " + modelOptions.weights + ": no such file");
        }
        if (!resources.equals("child") && !resources.equals("off")) {
            throw new CommandLine.ParameterException(spec.commandLine(), "--resources must be child or off, got '" + resources + "'");
        }
        if (calib != null) org.edgetorch.image.ImageInputs.expand(calib);  // a wrong path fails before anything runs
        if (eval != null) {
            if (eval.size() == 1 && org.edgetorch.image.LabelledImages.isLabelled(eval.get(0))) {
                org.edgetorch.image.LabelledImages.find(eval.get(0), null, null);
            } else {
                org.edgetorch.image.ImageInputs.expand(eval);
            }
        }
        StudyOptions options = new StudyOptions(modelOptions.arch, modelOptions.weights, modelOptions.seed,
                threads != null ? threads : StudyOptions.defaultThreads(Runtime.getRuntime().availableProcessors()), quick,
                withPython, models, ReproduceLine.of(spec), calib, eval, resources.equals("child"), model);
        checkWritable(models);
        Backend backend = org.edgetorch.backend.Backends.get();
        Path target = out != null ? out : StudyReport.defaultFolder("study", ZonedDateTime.now());
        StudyResult result;
        try (ReportFolder folder = ReportFolder.prepare(target)) {
            Progress progress = Progress.stderr();
            result = Study.run(options, backend, progress, new VersionProvider().getVersion()[0]);
            StudyReport.write(result, folder);
        }
        boolean linked = out == null && StudyReport.linkLatest(target);
        java.io.PrintWriter stdout = spec.commandLine().getOut();
        stdout.println("report: " + target.resolve(StudyReport.MARKDOWN) + (linked ? " (also " + target.resolveSibling(StudyReport.LATEST) + ")" : ""));
        stdout.println("        " + target.resolve(StudyReport.JSON));
        stdout.flush();
        if (result.anyStageFailed()) {
            for (StageRecord s : result.stages()) {
                if (s.status().equals(StageRecord.FAILED)) spec.commandLine().getErr().println("edgetorch: study: stage " + s.name() + " failed: " + s.message());
            }
            spec.commandLine().getErr().flush();
            return 1;
        }
        return 0;
    }

    /** The artifacts folder exists (made if need be), is a folder and is writable; shared by study and zoo. */
    static void checkWritable(Path dir) {
        try {
            Files.createDirectories(dir);
        } catch (IOException e) {
            throw new UserError("--models " + dir + ": cannot create it: " + e.getMessage());
        }
        if (!Files.isDirectory(dir)) throw new UserError("--models " + dir + ": is not a directory");
        if (!Files.isWritable(dir)) throw new UserError("--models " + dir + ": is not writable");
    }
}
