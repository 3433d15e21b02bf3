package org.edgetorch.nn;

import org.bytedeco.pytorch.Tensor;
import org.edgetorch.util.UserError;

import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.Map;

/** A model's tensors under torchvision's names, in the architecture's order. */
public final class StateDict {
    private final Map<String, Tensor> tensors = new LinkedHashMap<>();

    public void put(String name, Tensor t) {
        tensors.put(name, t);
    }

    public Tensor get(String name) {
        Tensor t = tensors.get(name);
        if (t == null) throw new IllegalStateException("no tensor named " + name + " in the state dict");
        return t;
    }

    public boolean contains(String name) {
        return tensors.containsKey(name);
    }

    public Map<String, Tensor> asMap() {
        return Collections.unmodifiableMap(tensors);
    }

    public int size() {
        return tensors.size();
    }

    /** Throws a UserError when a name is missing or has the wrong shape. */
    public void checkAgainst(Architecture arch) {
        for (TensorSpec s : arch.stateDictSpec()) {
            Tensor t = tensors.get(s.name());
            if (t == null) throw new UserError("state dict lacks " + s.name());
            long[] shape = t.sizes().vec().get();
            if (!java.util.Arrays.equals(shape, s.shape())) {
                throw new UserError(s.name() + " has shape " + java.util.Arrays.toString(shape) + ", expected " + s.shapeString());
            }
        }
    }
}
