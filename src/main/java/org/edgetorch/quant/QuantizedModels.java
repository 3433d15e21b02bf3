package org.edgetorch.quant;

import org.edgetorch.backend.Backend;
import java.util.List;

/**
 * Which engine quantization uses by default. (Running quantized files under their own engine is the
 * LibTorch runtime's: {@link org.edgetorch.runtime.libtorch.LibTorchRuntime}.)
 */
public final class QuantizedModels {
    private QuantizedModels() {
    }

    /**
     * The engine static quantization uses when none is named: ONEDNN on x86 (measured here fastest:
     * see README.md), QNNPACK elsewhere (ARM), else the first the build has.
     */
    public static String defaultStaticEngine(Backend b) {
        List<String> have = b.quantizedEngines();
        String arch = System.getProperty("os.arch", "");
        boolean x86 = arch.equals("amd64") || arch.equals("x86_64");
        for (String want : x86 ? List.of("onednn", "x86", "fbgemm", "qnnpack") : List.of("qnnpack", "onednn")) {
            if (have.contains(want)) return want;
        }
        if (have.isEmpty()) throw new org.edgetorch.util.UserError("this LibTorch has no quantized engine");
        return have.get(0);
    }
}
