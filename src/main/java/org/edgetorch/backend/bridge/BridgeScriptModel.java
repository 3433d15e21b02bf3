package org.edgetorch.backend.bridge;

import org.edgetorch.runtime.Model;
import org.edgetorch.tensor.FloatTensor;
import org.edgetorch.util.UserError;

import java.util.Arrays;

/** A module held by the bridge's LibTorch: TorchScript ({@code torch::jit::load}) or lite interpreter. */
public final class BridgeScriptModel implements Model {
    private final BridgeNative.Model model;
    private final String source;

    BridgeScriptModel(BridgeNative.Model model, String source) {
        this.model = model;
        this.source = source;
    }

    @Override
    public java.util.Optional<org.edgetorch.backend.NativeLoop> nativeLoop() {
        return java.util.Optional.of(new BridgeNativeLoop(this));
    }

    /** Channels-last memory when the bridge was asked for it at load (see {@code Model::set_channels_last}). */
    @Override
    public org.edgetorch.runtime.InputLayout inputLayout() {
        checkOpen();
        return model.channels_last() ? org.edgetorch.runtime.InputLayout.NHWC : org.edgetorch.runtime.InputLayout.NCHW;
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

    /** Samples of one {@link #runLoop} call, in nanoseconds, and the running sink of all outputs so far. */
    public record LoopSamples(long[] wallNs, long[] cpuNs, double sink) {
    }

    /** Copies the input into the bridge once, for {@link #runLoop} (not timed). */
    public void prepareLoop(FloatTensor input) {
        checkOpen();
        if (!model.prepare_input(input.data(), input.shape(), input.dim())) {
            throw new UserError(source + ": cannot prepare input " + input.shapeString() + ": " + firstLine(model.error()));
        }
    }

    /**
     * {@code warmupRuns} untimed then {@code measuredRuns} timed forward calls on the prepared input, all in
     * C++: the timed region holds the forward call only (monotonic raw wall clock, calling thread's CPU clock).
     */
    public LoopSamples runLoop(int warmupRuns, int measuredRuns) {
        checkOpen();
        if (warmupRuns < 0 || measuredRuns < 0) throw new IllegalArgumentException("negative run count");
        long[] wall = new long[Math.max(1, measuredRuns)];
        long[] cpu = new long[wall.length];
        long n = model.run_loop(warmupRuns, measuredRuns, wall, cpu, wall.length);
        if (n < 0) throw new UserError(source + ": forward failed in the benchmark loop: " + firstLine(model.error()));
        return new LoopSamples(Arrays.copyOf(wall, (int) n), Arrays.copyOf(cpu, (int) n), model.sink());
    }

    /** The output of the last call of {@link #runLoop}. */
    public FloatTensor lastOutput() {
        checkOpen();
        return output();
    }

    /**
     * Writes a lite-interpreter file with this LibTorch ({@code optimizeForMobile} first when asked), for
     * cross-checks: a board can turn a {@code .pt} into a {@code .ptl} its own runtime reads.
     */
    public void saveForMobile(java.nio.file.Path target, boolean optimize) {
        checkOpen();
        long expected = 2 * sizeOf(java.nio.file.Path.of(source));
        org.edgetorch.util.AtomicFiles.writeNative(target, expected, file -> {
            if (!model.save_for_mobile(file.toAbsolutePath().toString(), optimize)) {
                throw new UserError(source + ": cannot write a lite-interpreter file: " + firstLine(model.error()));
            }
        }, null);
    }

    private static long sizeOf(java.nio.file.Path p) {
        try {
            return java.nio.file.Files.size(p);
        } catch (java.io.IOException | RuntimeException e) {
            return 0;
        }
    }

    private void checkOpen() {
        if (model.isNull()) throw new IllegalStateException(source + " is closed");
    }

    /**
     * One line for users. TorchScript interpreter failures start with "The following operation failed in
     * the TorchScript interpreter." and a traceback; the cause is the last "...Error: " line.
     */
    static String firstLine(String s) {
        if (s == null || s.isBlank()) return "unknown error";
        String m = s.strip();
        if (m.startsWith("The following operation failed")) {
            String[] lines = m.split("\n");
            for (int i = lines.length - 1; i >= 0; i--) {
                String l = lines[i].strip();
                if (l.matches("^[A-Za-z]*Error: .*")) return l.substring(l.indexOf(": ") + 2);
            }
            for (int i = lines.length - 1; i >= 0; i--) {
                if (!lines[i].isBlank()) return lines[i].strip();
            }
        }
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
