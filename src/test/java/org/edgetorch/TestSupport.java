package org.edgetorch;

import org.edgetorch.backend.Backends;

/** Loads LibTorch the way the CLI does (natives pre-extracted) before a test touches the presets. */
public final class TestSupport {
    private TestSupport() {
    }

    public static void libtorch() {
        Backends.get();
    }
}
