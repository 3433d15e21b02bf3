package org.edgetorch.cli;

import org.edgetorch.backend.Backend;
import org.edgetorch.runtime.ModelFormat;
import org.edgetorch.study.Progress;
import org.edgetorch.study.ReportFolder;
import org.edgetorch.study.StudyOptions;
import org.edgetorch.study.StudyReport;
import org.edgetorch.study.Zoo;
import org.edgetorch.study.ZooReport;
import org.edgetorch.study.ZooResult;
import org.edgetorch.util.InputFiles;
import org.edgetorch.util.UserError;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.ZonedDateTime;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;
import java.util.stream.Stream;

@Command(name = "zoo", mixinStandardHelpOptions = true,
        description = "The model zoo: each FP32 TorchScript classifier given (files, or folders of .pt files) through what a user "
                + "deploys from it (LibTorch FP32 and static INT8 on the default engine, ONNX Runtime and TFLite FP32 and INT8), "
                + "fidelity against the FP32 file on the held-out photos, size and latency; one report folder (report.md, "
                + "report.json, latency.png). Exit 1 if a model or one of its stages failed (the report says which).")
public final class ZooCommand implements Callable<Integer> {

    @Parameters(paramLabel = "MODEL", arity = "1..*",
            description = "FP32 TorchScript files taking [N, 3, 224, 224] images, or folders whose .pt files are taken in name order "
                    + "(bench/zoo_models.py traces torchvision's zoo into models/zoo).")
    List<Path> inputs;

    @Option(names = "--out", paramLabel = "DIR",
            description = "Report folder (default: results/zoo-<UTC time>, with results/latest-zoo linking to the newest).")
    Path out;

    @Option(names = "--models", paramLabel = "DIR",
            description = "Where the artifacts go (default: models/zoo-artifacts, apart from the study's models/ files of the same names).")
    Path models = Path.of("models", "zoo-artifacts");

    @Option(names = "--threads", paramLabel = "N", converter = OptionConverters.ThreadCount.class,
            description = "Intra-op threads of every runtime (default: 1).")
    int threads = 1;

    @Option(names = "--calib", paramLabel = "IMAGE|DIR", split = ",",
            description = "Calibrate static INT8 on all these images (default: the 16 bundled calibration photos).")
    List<Path> calib;

    @Option(names = "--eval", paramLabel = "IMAGE|DIR", split = ",",
            description = "Agreement figures on these images (default: the 10 bundled held-out photos).")
    List<Path> eval;

    @Option(names = "--quick", description = "A short smoke-test version: fewer runs and images (figures indicative only).")
    boolean quick;

    @CommandLine.Spec
    CommandLine.Model.CommandSpec spec;

    @Override
    public Integer call() {
        List<Path> files = modelFiles(inputs);
        if (calib != null) org.edgetorch.image.ImageInputs.expand(calib);
        if (eval != null) org.edgetorch.image.ImageInputs.expand(eval);
        StudyOptions template = new StudyOptions("mobilenet_v2", null, 0, List.of(threads), quick, false, models, ReproduceLine.of(spec),
                calib, eval, false, files.get(0));
        StudyCommand.checkWritable(models);
        Backend backend = org.edgetorch.backend.Backends.get();
        Path target = out != null ? out : StudyReport.defaultFolder("zoo", ZonedDateTime.now());
        ZooResult result;
        try (ReportFolder folder = ReportFolder.prepare(target)) {
            result = Zoo.run(files, template, backend, Progress.stderr(), new VersionProvider().getVersion()[0]);
            ZooReport.write(result, folder);
        }
        boolean linked = out == null && StudyReport.linkLatest(target, "latest-zoo");
        java.io.PrintWriter stdout = spec.commandLine().getOut();
        stdout.println("report: " + target.resolve(StudyReport.MARKDOWN) + (linked ? " (also " + target.resolveSibling("latest-zoo") + ")" : ""));
        stdout.println("        " + target.resolve(StudyReport.JSON));
        stdout.flush();
        if (!result.anyFailure()) return 0;
        java.io.PrintWriter err = spec.commandLine().getErr();
        for (ZooResult.Entry e : result.models()) {
            if (e.error() != null) err.println("edgetorch: zoo: " + e.name() + ": " + e.error());
            e.failedStages().forEach(s -> err.println("edgetorch: zoo: " + e.name() + ": stage " + s.name() + " failed: " + s.message()));
        }
        err.flush();
        return 1;
    }

    /** The files named, and the .pt files of the folders named (sorted), each a TorchScript archive; all checked before anything runs. */
    static List<Path> modelFiles(List<Path> inputs) {
        List<Path> files = new ArrayList<>();
        for (Path p : inputs) {
            if (Files.isDirectory(p)) {
                try (Stream<Path> s = Files.list(p)) {
                    List<Path> pts = s.filter(f -> f.getFileName().toString().endsWith(".pt") && Files.isRegularFile(f)).sorted().toList();
                    if (pts.isEmpty()) throw new UserError(p + ": no .pt files in this folder");
                    files.addAll(pts);
                } catch (IOException e) {
                    throw new UserError(p + ": cannot list it: " + e.getMessage());
                }
            } else {
                InputFiles.requireRegularFile(p, "an FP32 TorchScript model");
                files.add(p);
            }
        }
        List<String> names = new ArrayList<>();
        for (Path f : files) {
            ModelFormat format = ModelFormat.of(f);
            if (format != ModelFormat.TORCHSCRIPT) throw new UserError(f + ": the zoo takes FP32 TorchScript files (.pt), not a " + format.id + " file");
            String name = StudyOptions.nameOf(f);
            if (names.contains(name)) throw new UserError(f + ": two models named " + name + " would write the same artifacts");
            names.add(name);
        }
        return files;
    }
}
