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
import java.util.ArrayList;
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
            description = "Intra-op thread counts; the latency stage runs once per count (default: 1).")
    List<Integer> threads = new ArrayList<>(List.of(1));

    @Option(names = "--quick", description = "A short smoke-test version: fewer runs and images (figures indicative only).")
    boolean quick;

    @Option(names = "--with-python", description = "Also run bench/python_study.py with a Python that has torch and "
            + "torchvision (tries /usr/bin/python3, then python3) and put its figures beside edgetorch's.")
    boolean withPython;

    @Mixin
    ModelOptions modelOptions;

    @CommandLine.Spec
    CommandLine.Model.CommandSpec spec;

    @Override
    public Integer call() {
        Architectures.byName(modelOptions.arch);  // a wrong --arch fails before anything runs
        if (modelOptions.weights != null && !Files.isRegularFile(modelOptions.weights)) {
            throw new UserError("--weights " + modelOptions.weights + ": no such file");
        }
        StudyOptions options = new StudyOptions(modelOptions.arch, modelOptions.weights, modelOptions.seed, threads, quick,
                withPython, models, commandLine());
        checkWritable(models);
        Backend backend = org.edgetorch.backend.Backends.get();
        Path target = out != null ? out : StudyReport.defaultFolder(ZonedDateTime.now());
        StudyResult result;
        try (ReportFolder folder = ReportFolder.prepare(target)) {
            Progress progress = Progress.stderr();
            result = Study.run(options, backend, progress, new VersionProvider().getVersion()[0]);
            StudyReport.write(result, folder);
        }
        boolean linked = out == null && StudyReport.linkLatest(target);
        System.out.println("report: " + target.resolve(StudyReport.MARKDOWN) + (linked ? " (also " + target.resolveSibling(StudyReport.LATEST) + ")" : ""));
        System.out.println("        " + target.resolve(StudyReport.JSON));
        if (result.anyStageFailed()) {
            for (StageRecord s : result.stages()) {
                if (s.status().equals(StageRecord.FAILED)) System.err.println("edgetorch: study: stage " + s.name() + " failed: " + s.message());
            }
            return 1;
        }
        return 0;
    }

    private static void checkWritable(Path dir) {
        try {
            Files.createDirectories(dir);
        } catch (IOException e) {
            throw new UserError("--models " + dir + ": cannot create it: " + e.getMessage());
        }
        if (!Files.isDirectory(dir)) throw new UserError("--models " + dir + ": is not a directory");
        if (!Files.isWritable(dir)) throw new UserError("--models " + dir + ": is not writable");
    }

    /** The command as a user would type it again, for the report's "Reproduce" section. */
    private String commandLine() {
        StringBuilder b = new StringBuilder("java -jar target/edgetorch.jar");
        for (String a : spec.commandLine().getParseResult().originalArgs()) {
            b.append(' ').append(a.matches("[A-Za-z0-9_./,=:@%+-]+") ? a : "'" + a.replace("'", "'\\''") + "'");
        }
        return b.toString();
    }
}
