package org.edgetorch.export;

import org.bytedeco.javacpp.PointerScope;
import org.bytedeco.pytorch.IValue;
import org.bytedeco.pytorch.IValueVector;
import org.bytedeco.pytorch.JitModule;
import org.bytedeco.pytorch.StringVectorOptional;
import org.bytedeco.pytorch.global.torch;
import org.edgetorch.backend.ModelFiles;
import org.edgetorch.graph.GraphPasses;
import org.edgetorch.graph.ModelGraph;
import org.edgetorch.jit.ModelGraphReader;
import org.edgetorch.tensor.FloatTensor;
import org.edgetorch.tensor.Tensors;
import org.edgetorch.util.AtomicFiles;
import org.edgetorch.util.UserError;

import java.nio.file.Path;
import java.util.SplittableRandom;

/**
 * What every exporter (ONNX, TFLite) does around its writer: freeze and read the TorchScript model into a prepared
 * {@link ModelGraph}, run LibTorch on a seeded check input, require the written FP32 file to give the same output
 * in its own runtime before anything is written, and write atomically.
 */
public final class ExportChecks {
    /** A written FP32 file's output must match LibTorch's this closely (relative to the largest logit), or nothing is written. */
    public static final double FP32_TOLERANCE = 1e-4;

    private ExportChecks() {
    }

    /** The frozen module and its prepared graph, read for inputs of {@code inputShape}; {@code action} ("export to ONNX") words the errors. */
    public record Frozen(JitModule module, ModelGraph graph) {
    }

    public static Frozen freezeAndRead(JitModule m, String source, long[] inputShape, String action) {
        JitModule frozen = freeze(m, source);
        ModelGraph g = ModelGraphReader.read(frozen.get_method("forward").graph(), inputShape, action);
        GraphPasses.prepare(g, action);
        return new Frozen(frozen, g);
    }

    public static JitModule freeze(JitModule m, String source) {
        try {
            m.eval();
            // optimize_numerics=false: BatchNorm folding is ours (GraphPasses), in double precision
            return torch.freeze(m, new StringVectorOptional(), false);
        } catch (RuntimeException e) {
            throw new UserError(source + ": torch.freeze failed: " + ModelFiles.firstLine(e.getMessage()), e);
        }
    }

    /** A seeded normal input of the given shape. */
    public static FloatTensor checkInput(long[] shape) {
        long n = 1;
        for (long d : shape) n *= d;
        float[] d = new float[Math.toIntExact(n)];
        SplittableRandom r = new SplittableRandom(7);
        for (int i = 0; i < d.length; i++) d[i] = (float) r.nextGaussian();
        return new FloatTensor(shape.clone(), d);
    }

    /** LibTorch's output of the frozen module on {@code x}: the reference a written FP32 file must reproduce. */
    public static FloatTensor libtorchOutput(JitModule frozen, FloatTensor x, String source) {
        try (PointerScope scope = new PointerScope()) {
            return Tensors.fromTorch(frozen.forward(new IValueVector(new IValue(Tensors.toTorch(x)))).toTensor());
        } catch (RuntimeException e) {
            throw new UserError(source + ": forward failed on an input of shape " + x.shapeString() + ": "
                    + ModelFiles.firstLine(e.getMessage()), e);
        }
    }

    /**
     * The largest difference between LibTorch's output and the written file's in {@code runtime}; beyond the
     * tolerance the writer is wrong, which is an internal error, and nothing is written.
     */
    public static double requireMatch(FloatTensor expected, FloatTensor got, String runtime) {
        double diff = maxAbsDiff(expected, got);
        double largest = 0;
        for (float v : expected.data()) largest = Math.max(largest, Math.abs(v));
        if (!(diff <= FP32_TOLERANCE * largest + 1e-6)) {
            throw new IllegalStateException("internal: " + runtime + "'s output of the written model differs from LibTorch's by "
                    + diff + " (largest |logit| " + largest + "); not written");
        }
        return diff;
    }

    public static double maxAbsDiff(FloatTensor a, FloatTensor b) {
        if (a.numel() != b.numel()) return Double.POSITIVE_INFINITY;
        double m = 0;
        for (int i = 0; i < a.data().length; i++) m = Math.max(m, Math.abs(a.data()[i] - b.data()[i]));
        return m;
    }

    /** The written bytes, atomically (a temporary file renamed into place). */
    public static void write(Path out, byte[] bytes) {
        AtomicFiles.writeBytes(out, bytes);
    }
}
