package org.edgetorch.cli;

import org.edgetorch.runtime.Runtimes;
import picocli.CommandLine.Option;

/**
 * {@code --no-xnnpack} of the commands that run model files (predict, bench, verify): TensorFlow Lite's built-in
 * kernels instead of its XNNPACK delegate. Its own mixin, not part of {@link RuntimeOptions}: {@code optimize}
 * already has a {@code --no-xnnpack} of its own (no XNNPACK rewrite of a TorchScript model), and the two cannot
 * share one command.
 */
public final class XnnpackOption {
    @Option(names = "--no-xnnpack", description = "Run TensorFlow Lite (.tflite) models on TFLite's built-in kernels instead of "
            + "the XNNPACK delegate (default: XNNPACK); no effect on other runtimes.")
    public boolean noXnnpack;

    /** Sets the process-wide choice for TensorFlow Lite models loaded from now on. */
    public void apply() {
        Runtimes.setXnnpack(!noXnnpack);
    }
}
