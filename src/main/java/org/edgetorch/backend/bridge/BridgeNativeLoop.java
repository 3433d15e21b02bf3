package org.edgetorch.backend.bridge;

import org.edgetorch.backend.NativeLoop;
import org.edgetorch.tensor.FloatTensor;

/**
 * The bench harness's {@link NativeLoop} over the bridge: warm-up and measured forward calls run in C++
 * ({@code Model::run_loop}), timed with the harness's own clocks (native/edgetorch_clock.h).
 */
final class BridgeNativeLoop implements NativeLoop {
    private final BridgeScriptModel model;
    private double sink;

    BridgeNativeLoop(BridgeScriptModel model) {
        this.model = model;
    }

    @Override
    public void prepare(FloatTensor input) {
        model.prepareLoop(input);
    }

    @Override
    public Samples run(int warmupRuns, int measuredRuns) {
        BridgeScriptModel.LoopSamples s = model.runLoop(warmupRuns, measuredRuns);
        double delta = s.sink() - sink; // the C++ sink is cumulative; the harness adds per-call sinks
        sink = s.sink();
        return new Samples(s.wallNs(), s.cpuNs(), delta);
    }

    @Override
    public String wallClock() {
        return BridgeNative.wall_clock_name();
    }

    @Override
    public String cpuClock() {
        return BridgeNative.cpu_clock_name();
    }

    @Override
    public void close() {
        // the input lives in the model, which its owner closes
    }
}
