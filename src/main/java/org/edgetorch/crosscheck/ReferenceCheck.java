package org.edgetorch.crosscheck;

import org.edgetorch.runtime.Model;
import org.edgetorch.tensor.Agreement;
import org.edgetorch.tensor.FloatTensor;
import org.edgetorch.util.UserError;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * {@code verify --reference FILE}: runs a model on the exact input tensors another machine saved
 * ({@code --save-io}) and measures how closely its outputs follow that machine's, for the same variant (the
 * model file's name). The check that needs no eager Java model, so it works on the bridge backend (ARM).
 */
public final class ReferenceCheck {
    private ReferenceCheck() {
    }

    public static Agreement run(Model model, Path modelFile, IoFile reference, Path referenceFile) {
        String name = modelFile.getFileName().toString();
        IoFile.Variant v = reference.variant(name);
        if (v == null) {
            List<String> names = reference.variants().stream().map(IoFile.Variant::name).toList();
            throw new UserError(referenceFile + " has no outputs of " + name + " (it has: " + String.join(", ", names) + ")");
        }
        if (v.error() != null) throw new UserError(referenceFile + ": " + name + " did not run on that machine: " + v.error());
        List<FloatTensor> expected = new ArrayList<>(), actual = new ArrayList<>();
        for (IoFile.Output o : v.outputs()) {
            IoFile.Input in = reference.input(o.input());
            if (in == null) continue;
            expected.add(o.tensor());
            actual.add(model.forward(in.tensor()));
        }
        if (expected.isEmpty()) throw new UserError(referenceFile + ": no input tensors for " + name);
        List<CrossComparison.Pair> pairs = new ArrayList<>();
        for (int i = 0; i < expected.size(); i++) {
            if (expected.get(i).data().length != actual.get(i).data().length) {
                throw new UserError(name + ": output " + actual.get(i).shapeString() + " does not match the reference's "
                        + expected.get(i).shapeString());
            }
            pairs.add(new CrossComparison.Pair(expected.get(i), actual.get(i)));
        }
        return CrossComparison.agreement(pairs);
    }
}
