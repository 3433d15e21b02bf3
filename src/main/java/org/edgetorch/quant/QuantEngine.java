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
     * A warning for this CPU, or null. ONEDNN takes full 8-bit activations (no reduce_range, as
     * PyTorch's onednn qconfig); on x86 CPUs without VNNI its u8*s8 kernels can saturate, which
     * PyTorch warns about too. Read from /proc/cpuinfo on Linux; elsewhere nothing is claimed.
     */
    public String cpuCaution() {
        if (this != ONEDNN) return null;
        String arch = System.getProperty("os.arch", "");
        if (!arch.equals("amd64") && !arch.equals("x86_64")) return null;
        try {
            java.nio.file.Path info = java.nio.file.Path.of("/proc/cpuinfo");
            if (!java.nio.file.Files.isReadable(info)) return null;
            String flags = java.nio.file.Files.readString(info);
            if (flags.contains("avx512_vnni") || flags.contains("avx_vnni")) return null;
            return "this CPU has no VNNI: ONEDNN's full-range 8-bit activations may saturate in its kernels "
                    + "(PyTorch warns the same); --engine x86 or fbgemm use 7-bit activations instead";
        } catch (java.io.IOException | RuntimeException e) {
            return null;
        }
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
