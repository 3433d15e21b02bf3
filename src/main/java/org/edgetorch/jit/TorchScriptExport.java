package org.edgetorch.jit;

import org.bytedeco.javacpp.PointerScope;
import org.bytedeco.pytorch.IValue;
import org.bytedeco.pytorch.IValueVector;
import org.edgetorch.nn.TorchvisionModel;
import org.edgetorch.tensor.Agreement;
import org.edgetorch.tensor.FloatTensor;
import org.edgetorch.tensor.Tensors;
import org.edgetorch.util.AtomicFiles;
import org.edgetorch.util.UserError;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.SplittableRandom;

/** {@code edgetorch export}: trace, check the traced module against eager on the example, save. */
public final class TorchScriptExport {
    /** Traced and eager must agree this closely on the tracing example, or nothing is written. */
    static final double EXAMPLE_TOLERANCE = 1e-4;

    private TorchScriptExport() {
    }

    public record Result(Path file, long bytes, int recordedOps, double exampleMaxAbsDiff) {
    }

    /** A traced module that computes what the eager model computes on the example. */
    public record Checked(Tracer.Traced traced, double exampleMaxAbsDiff) {
    }

    /** Traces the model and checks the traced module against eager on the example: what every export starts from. */
    public static Checked traceChecked(TorchvisionModel model) {
        FloatTensor example = exampleInput(1);
        Tracer.Traced traced = Tracer.trace(model, example);
        double diff;
        try (PointerScope scope = new PointerScope()) {
            FloatTensor scripted = Tensors.fromTorch(traced.module()
                    .forward(new IValueVector(new IValue(Tensors.toTorch(example)))).toTensor());
            diff = Agreement.of(model.forward(example), scripted).maxAbsDiff();
        }
        if (!(diff <= EXAMPLE_TOLERANCE)) {
            throw new UserError("traced module differs from the eager model by " + diff + " on the example; not written");
        }
        return new Checked(traced, diff);
    }

    /** A seeded random [1,3,224,224] input: tracing records no data-dependent path, so any input does. */
    public static FloatTensor exampleInput(long seed) {
        SplittableRandom rng = new SplittableRandom(seed);
        float[] d = new float[3 * 224 * 224];
        for (int i = 0; i < d.length; i++) d[i] = (float) rng.nextGaussian();
        return new FloatTensor(new long[]{1, 3, 224, 224}, d);
    }

    public static Result export(TorchvisionModel model, Path target) {
        Checked c = traceChecked(model);
        Tracer.Traced traced = c.traced();
        double diff = c.exampleMaxAbsDiff();
        // the float weights bound the file's size (used where the write cannot go through a pipe)
        long weightBytes = 4 * model.architecture().parameterCount();
        // the weights' provenance travels in the file: predict/optimize/quantize read and carry it
        org.bytedeco.pytorch.ExtraFilesMap extra = new org.bytedeco.pytorch.ExtraFilesMap();
        extra.put(new org.bytedeco.javacpp.BytePointer(org.edgetorch.backend.WeightsProvenance.EXTRA_FILE),
                org.edgetorch.backend.WeightsProvenance.json(model.trained(), model.origin(), model.architecture().name()));
        AtomicFiles.writeNative(target, 2 * weightBytes, file -> traced.module().save(file.toString(), extra), null);
        try {
            return new Result(target, Files.size(target), traced.recordedOps(), diff);
        } catch (IOException e) {
            throw new UserError(target + ": " + e.getMessage());
        }
    }
}
