package org.edgetorch.study;

import org.edgetorch.backend.Backend;

/** The one place that picks how the study times its variants. */
public final class LatencyMeters {
    private LatencyMeters() {
    }

    public static LatencyMeter create(Backend backend) {
        return new HarnessLatencyMeter(backend);
    }
}
