package org.edgetorch.study;

import org.edgetorch.util.MachineInfo;
import org.edgetorch.backend.Backend;
import org.edgetorch.backend.ModelFiles;
import org.edgetorch.image.ImageInput;
import org.edgetorch.image.ImageInputs;
import org.edgetorch.image.LabelledImages;
import org.edgetorch.image.StudyImages;
import org.edgetorch.util.UserError;

import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.List;

/** Runs the study's stages in order and collects what they found. Writing the report is separate ({@link StudyReport}). */
public final class Study {
    private Study() {
    }

    public static StudyResult run(StudyOptions options, Backend backend, Progress progress, String edgetorchVersion) {
        return run(options, backend, progress, edgetorchVersion, StudyStages.all());
    }

    static StudyResult run(StudyOptions options, Backend backend, Progress progress, String edgetorchVersion,
                           List<StudyStage> stages) {
        String created = Instant.now().truncatedTo(ChronoUnit.SECONDS).toString();
        double loadAverage = MachineInfo.currentLoadAverage();
        backend.setThreads(options.threads().get(0));
        // --eval DIR with class folders or a labels file: the agreement images are labelled, and accuracy is measured too
        LabelledImages.Set labelled = options.eval() != null && options.eval().size() == 1 && LabelledImages.isLabelled(options.eval().get(0))
                ? LabelledImages.find(options.eval().get(0), null, null) : null;
        List<ImageInput> heldOut = options.eval() == null ? StudyImages.heldOut()
                : ImageInputs.collect(labelled != null ? labelled.files() : options.eval());
        heldOut = heldOut.subList(0, Math.min(heldOut.size(), options.heldOutImages()));
        List<ImageInput> calibration = options.calib() == null ? StudyImages.calibration() : ImageInputs.collect(options.calib());
        StudyContext c = new StudyContext(options, backend, progress, LatencyMeters.create(backend), heldOut, calibration);
        if (labelled != null) c.setLabels(java.util.Arrays.copyOf(labelled.labels(), heldOut.size()), labelled.how());
        List<StageRecord> records = new ArrayList<>();
        int index = 0;
        for (StudyStage stage : stages) {
            progress.stage(++index, stages.size(), stage.name());
            String skip = stage.skipReason(c);
            if (skip != null) {
                progress.note("skipped: " + skip);
                records.add(new StageRecord(stage.name(), StageRecord.SKIPPED, 0, skip));
                continue;
            }
            long t0 = System.nanoTime();
            try {
                stage.run(c);
                records.add(new StageRecord(stage.name(), StageRecord.RAN, (System.nanoTime() - t0) / 1e9, null));
            } catch (RuntimeException e) {
                if (stage.essential()) throw e;
                String message = e instanceof UserError ? e.getMessage() : "internal error: " + ModelFiles.firstLine(String.valueOf(e));
                progress.note("FAILED: " + message);
                records.add(new StageRecord(stage.name(), StageRecord.FAILED, (System.nanoTime() - t0) / 1e9, message));
            }
        }
        StudyResult.ModelInfo model = c.modelInfo();
        return new StudyResult(created, edgetorchVersion, options.command(), MachineInfo.of(backend, loadAverage), model,
                options.quick(), options.threads(), options.latencyPlan(), c.meter().description(),
                heldOut.stream().map(ImageInput::name).toList(), calibration.stream().map(ImageInput::name).toList(), records,
                c.models().stream().map(StudyModel::variant).toList(), c.latency(), c.verification(), c.python(),
                c.notes(), c.accuracy(), c.labelsHow());
    }
}
