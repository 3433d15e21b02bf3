package org.edgetorch.study;

import org.edgetorch.runtime.Model;
import org.edgetorch.tensor.Accuracy;

import java.util.Locale;

/** Top-1/top-5 accuracy of every variant on the labelled {@code --eval} images; skipped without labels. */
final class AccuracyStage implements StudyStage {
    @Override
    public String name() {
        return "accuracy";
    }

    @Override
    public String skipReason(StudyContext c) {
        return c.labels() == null ? "no labelled images (give --eval DIR with class folders or a labels.txt)" : null;
    }

    @Override
    public void run(StudyContext c) {
        for (StudyModel m : c.models()) {
            Model model = m.loader().get();
            try {
                Accuracy a = c.accuracyOf(model);
                c.addAccuracy(m.variant().id(), a);
                c.progress().note(String.format(Locale.ROOT, "%s: top-1 %.1f%%, top-5 %.1f%% on %d images", m.variant().id(),
                        100 * a.top1(), 100 * a.top5(), a.samples()));
            } finally {
                if (m.fromFile()) model.close();  // the eager model is shared, not ours to close
            }
        }
    }
}
