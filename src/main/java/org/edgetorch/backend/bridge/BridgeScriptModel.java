package org.edgetorch.backend.bridge;

import org.edgetorch.backend.ScriptModel;
import org.edgetorch.tensor.FloatTensor;
import org.edgetorch.util.UserError;

import java.util.Arrays;

/** A module held by the bridge's LibTorch: TorchScript ({@code torch::jit::load}) or lite interpreter. */
public final class BridgeScriptModel implements ScriptModel {
    private final BridgeNative.Model model;
    private final String source;

    BridgeScriptModel(BridgeNative.Model model, String source) {
        this.model = model;
        this.source = source;
    }

    /** Whether the lite interpreter ({@code _load_for_mobile}) runs it. */
    public boolean lite() {
        return model.lite();
    }

    @Override
    public FloatTensor forward(FloatTensor input) {
        checkOpen();
        if (!model.forward(input.data(), input.shape(), input.dim())) {
            throw new UserError(source + ": forward failed on input " + input.shapeString() + ": " + firstLine(model.error()));
        }
        return output();
    }

    /** The output of the last forward (or of the last measured run of {@link #benchmark}). */
    private FloatTensor output() {
        int dim = model.output_dim();
        if (dim < 0) throw new UserError(source + ": no output");
        long[] shape = new long[dim];
        model.output_shape(shape);
        long n = model.output_numel();
        if (n > Integer.MAX_VALUE) throw new UserError(source + ": output too large: " + Arrays.toString(shape));
        float[] data = new float[(int) n];
        model.output_data(data);
        return new FloatTensor(shape, data);
    }

    /** Per-run samples of a benchmark loop run entirely in C++, and the output of the last run. */
    public record LoopResult(long[] wallNs, long[] cpuNs, FloatTensor lastOutput) {
    }

    /**
     * Warm-up until at least {@code warmupRuns} runs and {@code warmupMinNs}; then measured runs until at
     * least {@code runs} runs and {@code minNs}, at most {@code capacity}. All of it happens in C++; the
     * timed region holds the forward call only (monotonic raw wall clock, calling thread's CPU clock).
     */
    public LoopResult benchmark(FloatTensor input, long warmupRuns, long warmupMinNs, long runs, long minNs, int capacity) {
        checkOpen();
        if (warmupRuns < 0 || warmupMinNs < 0 || runs < 0 || minNs < 0) throw new UserError("run counts and times must not be negative");
        if (capacity < 1 || runs > capacity) throw new UserError("sample capacity " + capacity + " must hold the " + runs + " runs");
        long[] wall = new long[capacity];
        long[] cpu = new long[capacity];
        long n = model.benchmark(input.data(), input.shape(), input.dim(), warmupRuns, warmupMinNs, runs, minNs, wall, cpu, capacity);
        if (n < 0) throw new UserError(source + ": benchmark failed on input " + input.shapeString() + ": " + firstLine(model.error()));
        return new LoopResult(Arrays.copyOf(wall, (int) n), Arrays.copyOf(cpu, (int) n), output());
    }

    /**
     * Writes a lite-interpreter file with this LibTorch ({@code optimizeForMobile} first when asked), for
     * cross-checks: a board can turn a {@code .pt} into a {@code .ptl} its own runtime reads.
     */
    public void saveForMobile(java.nio.file.Path target, boolean optimize) {
        checkOpen();
        org.edgetorch.util.AtomicFiles.write(target, tmp -> {
            if (!model.save_for_mobile(tmp.toAbsolutePath().toString(), optimize)) {
                throw new UserError(source + ": cannot write a lite-interpreter file: " + firstLine(model.error()));
            }
        });
    }

    private void checkOpen() {
        if (model.isNull()) throw new IllegalStateException(source + " is closed");
    }

    private static String firstLine(String s) {
        if (s == null || s.isBlank()) return "unknown error";
        String m = s.strip();
        int nl = m.indexOf('\n');
        return nl < 0 ? m : m.substring(0, nl);
    }

    @Override
    public String source() {
        return source;
    }

    @Override
    public void close() {
        model.close();
    }
}
