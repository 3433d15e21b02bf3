package org.edgetorch.quant;

import org.edgetorch.backend.Backend;
import org.edgetorch.util.UserError;

import java.util.List;
import java.util.Locale;

/**
 * A quantized engine (kernel library) of LibTorch and the activation range it needs. FBGEMM and X86
 * quantize activations to 7 bits ({@code reduce_range}, as PyTorch's default qconfigs for them do),
 * because their AVX2 kernels add pairs of u8*s8 products in 16 bits, which 8-bit inputs can overflow;
 * ONEDNN and QNNPACK take the full 8 bits.
 */
public enum QuantEngine {
    FBGEMM(true),
    X86(true),
    ONEDNN(false),
    QNNPACK(false);

    private final boolean reduceRange;

    QuantEngine(boolean reduceRange) {
        this.reduceRange = reduceRange;
    }

    public String id() {
        return name().toLowerCase(Locale.ROOT);
    }

    public boolean reduceRange() {
        return reduceRange;
    }

    /** Activation range: uint8 [0, 255], or [0, 127] with reduce_range. */
    public long activationQmax() {
        return reduceRange ? 127 : 255;
    }

    /**
     * The engine named {@code s}, if this LibTorch has it; otherwise a UserError listing those it has.
     */
    public static QuantEngine resolve(String s, Backend backend) {
        List<String> have = backend.quantizedEngines();
        QuantEngine e = null;
        for (QuantEngine k : values()) {
            if (k.id().equalsIgnoreCase(s.strip())) e = k;
        }
        if (e == null || !have.contains(e.id())) {
            throw new UserError("quantized engine '" + s + "' is not available in this LibTorch ("
                    + backend.libtorchVersion() + ", " + org.edgetorch.backend.Backends.platform() + "); supported: "
                    + String.join(", ", have));
        }
        return e;
    }
}
