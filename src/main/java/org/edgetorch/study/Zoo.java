package org.edgetorch.study;

import org.edgetorch.backend.Backend;
import org.edgetorch.backend.ModelFiles;
import org.edgetorch.util.MachineInfo;
import org.edgetorch.util.UserError;

import java.nio.file.Path;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.List;

/**
 * The model zoo: a short study of each TorchScript file, with what a user deploys from it — the FP32 file,
 * LibTorch static INT8 on the platform's default engine, FP32 and INT8 ONNX Runtime, FP32 and INT8 TFLite
 * (XNNPACK) — each file checked against the FP32 file on the held-out photos and timed interleaved with the
 * model's other variants. A model that fails a stage keeps its row with the reason; one that cannot be read
 * at all is an entry with its error.
 */
public final class Zoo {
    private Zoo() {
    }

    /** The stages each model goes through: the study's, without the eager model, engines beyond the default, or extras. */
    static List<StudyStage> stages() {
        return List.of(new ModelStage(), new ExportStage(), new QuantizeStaticStage(false), new OnnxStage(),
                new TfliteStage(false), new LatencyStage());
    }

    /**
     * Runs the zoo over {@code models}; {@code template} gives the shared settings (threads, quick, calib, eval,
     * models folder); its {@code model} is replaced by each file in turn.
     */
    public static ZooResult run(List<Path> models, StudyOptions template, Backend backend, Progress progress, String version) {
        String created = Instant.now().truncatedTo(ChronoUnit.SECONDS).toString();
        double loadAverage = MachineInfo.currentLoadAverage();
        List<ZooResult.Entry> entries = new ArrayList<>();
        for (int i = 0; i < models.size(); i++) {
            Path file = models.get(i);
            progress.note("model " + (i + 1) + "/" + models.size() + ": " + file);
            StudyOptions o = new StudyOptions(template.arch(), null, template.seed(), template.threads(), template.quick(), false,
                    template.modelsDir(), template.command(), template.calib(), template.eval(), false, file);
            try {
                entries.add(new ZooResult.Entry(file.toString(), o.modelName(), Study.run(o, backend, progress, version, stages()), null));
            } catch (UserError e) {
                progress.note("FAILED: " + e.getMessage());
                entries.add(new ZooResult.Entry(file.toString(), o.modelName(), null, e.getMessage()));
            } catch (RuntimeException e) {
                String message = "internal error: " + ModelFiles.firstLine(String.valueOf(e));
                progress.note("FAILED: " + message);
                entries.add(new ZooResult.Entry(file.toString(), o.modelName(), null, message));
            }
        }
        return new ZooResult(created, version, template.command(), MachineInfo.of(backend, loadAverage), template.quick(),
                template.threads().get(0), entries);
    }
}
