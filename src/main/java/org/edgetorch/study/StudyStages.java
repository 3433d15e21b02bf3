package org.edgetorch.study;

import java.util.List;

/**
 * The study, stage by stage. A stage that lands in the build replaces its {@link PendingStage} here
 * (one line each); the latency and Python stages then measure whatever variants exist.
 */
public final class StudyStages {
    private StudyStages() {
    }

    public static List<StudyStage> all() {
        return List.of(
                new ModelStage(),
                new ExportStage(),
                new VerifyStage(),
                new ServingStage(),
                new QuantizeDynamicStage(),
                new QuantizeStaticStage(),
                new TfliteStage(),
                new MobileStage(),
                new OnnxStage(),
                new AccuracyStage(),
                new LatencyStage(),
                new PythonStage());
    }
}
