package org.edgetorch.quant;

import org.bytedeco.javacpp.PointerScope;
import org.bytedeco.pytorch.Scalar;
import org.bytedeco.pytorch.Tensor;
import org.bytedeco.pytorch.global.torch;
import org.edgetorch.graph.QParams;
import org.edgetorch.util.UserError;

import java.util.EnumMap;
import java.util.Map;

/**
 * Weights to int8, symmetric (zero point 0) over [-128, 127] with scale {@code max|w| / 127.5} as
 * PyTorch's default weight observers do: per output channel, or one scale for the whole tensor.
 */
final class WeightQuantizer {
    static final long QMIN = -128;
    static final long QMAX = 127;

    private static final Map<QuantEngine, Boolean> PER_CHANNEL = new EnumMap<>(QuantEngine.class);

    private WeightQuantizer() {
    }

    /** Per-output-channel (axis 0) symmetric qint8. */
    static Tensor perChannel(Tensor w) {
        long[] dims = new long[(int) w.dim() - 1];
        for (int d = 0; d < dims.length; d++) dims[d] = d + 1;
        Tensor amax = dims.length == 0 ? w.abs() : w.abs().amax(dims, false);
        Tensor scales = amax.to(torch.ScalarType.Double).div(new Scalar((QMAX - QMIN) / 2.0))
                .clamp_min(new Scalar(QParams.EPS));
        Tensor zeros = torch.zeros(w.size(0)).to(torch.ScalarType.Long);
        return torch.quantize_per_channel(w.contiguous(), scales, zeros, 0, torch.ScalarType.QInt8);
    }

    /** One symmetric qint8 scale for the whole tensor. */
    static Tensor perTensor(Tensor w) {
        QParams q = QParams.symmetric(w.abs().max().item_float(), QMIN, QMAX);
        return torch.quantize_per_tensor(w.contiguous(), q.scale(), 0, torch.ScalarType.QInt8);
    }

    /**
     * Whether the engine's prepacking accepts per-channel weights for both convolutions and linear
     * layers, found by trying on a tiny layer (the engine must already be selected).
     */
    static synchronized boolean perChannelSupported(QuantEngine engine) {
        return PER_CHANNEL.computeIfAbsent(engine, e -> {
            try (PointerScope scope = new PointerScope()) {
                Tensor w = torch.ones(2, 2, 1, 1);
                PackedWeights.conv2d(perChannel(w), null, new long[]{1, 1}, new long[]{0, 0}, new long[]{1, 1}, 1, "probe");
                PackedWeights.linear(perChannel(torch.ones(2, 2)), null, "probe");
                return true;
            } catch (UserError ex) {
                return false;
            }
        });
    }
}
