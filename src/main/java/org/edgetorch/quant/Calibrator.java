package org.edgetorch.quant;

import org.bytedeco.javacpp.PointerScope;
import org.bytedeco.pytorch.Tensor;
import org.edgetorch.graph.ModelGraph;
import org.edgetorch.graph.Node;
import org.edgetorch.tensor.FloatTensor;
import org.edgetorch.tensor.Tensors;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Runs the folded float graph over the calibration inputs and records the activations that get their
 * own quantization parameters: the model input and the output of every convolution, linear layer and
 * addition (after its fused activation). Pooling, flattening and standalone clamps keep their input's
 * parameters and need no observer.
 */
final class Calibrator {

    private Calibrator() {
    }

    static Map<Integer, ActivationObserver> calibrate(ModelGraph g, List<FloatTensor> inputs, ObserverKind kind, CalibrationProgress progress) {
        Map<Integer, ActivationObserver> observers = new LinkedHashMap<>();
        observers.put(ModelGraph.INPUT, new ActivationObserver());
        for (Node n : g.nodes) {
            if (n.requantizes()) observers.put(n.output, new ActivationObserver());
        }
        int passes = kind == ObserverKind.MINMAX ? 1 : 2;
        for (int pass = 1; pass <= passes; pass++) {
            final boolean ranges = pass == 1;
            for (int i = 0; i < inputs.size(); i++) {
                try (PointerScope scope = new PointerScope()) {
                    Tensor x = batched(Tensors.toTorch(inputs.get(i)));
                    FloatInterpreter.run(g, x, (value, t) -> {
                        ActivationObserver o = observers.get(value);
                        if (o == null) return;
                        if (ranges) o.observeRange(t);
                        else o.observeHistogram(t);
                    });
                }
                progress.update(pass, passes, i + 1, inputs.size());
            }
        }
        return observers;
    }

    /** Images come as [3, H, W] or [1, 3, H, W]; the model takes a batch. */
    static Tensor batched(Tensor t) {
        return t.dim() == 3 ? t.unsqueeze(0) : t;
    }
}
