package org.edgetorch.quant;

import org.edgetorch.backend.Backend;
import org.edgetorch.backend.Backends;
import org.edgetorch.backend.ScriptModel;
import org.edgetorch.tensor.FloatTensor;

import java.nio.file.Path;
import java.util.List;
import java.util.Optional;

/**
 * Loading and running quantized files under the right engine. LibTorch repacks quantized weights
 * for the engine selected <em>when the file is loaded</em> (their __setstate__), and quantized ops
 * without packed weights (add, pooling, quantize) pick kernels by the engine selected <em>when they
 * run</em>. So a file edgetorch quantized for QNNPACK runs on QNNPACK only if QNNPACK is selected at
 * both times; otherwise it silently runs on the process default (X86 on x86 builds).
 */
public final class QuantizedModels {
    private QuantizedModels() {
    }

    /**
     * Loads any TorchScript file; for a file edgetorch quantized, selects its recorded engine before
     * loading and again before every forward (so models of different engines can be interleaved).
     */
    public static ScriptModel load(Path file) {
        Backend b = Backends.get();
        Optional<String> engine = QuantizedArchive.engineOf(file);
        if (engine.isEmpty()) return b.load(file);
        b.setQuantizedEngine(engine.get());
        return new EngineBound(b, b.load(file), engine.get());
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

    /** A model that selects its engine before each forward. */
    private record EngineBound(Backend backend, ScriptModel model, String engine) implements ScriptModel {
        @Override
        public FloatTensor forward(FloatTensor input) {
            backend.setQuantizedEngine(engine);
            return model.forward(input);
        }

        /** A native loop runs without coming back to Java: the engine selected at load stays selected. */
        @Override
        public Optional<org.edgetorch.backend.NativeLoop> nativeLoop() {
            backend.setQuantizedEngine(engine);
            return model.nativeLoop();
        }

        @Override
        public String source() {
            return model.source();
        }

        @Override
        public void close() {
            model.close();
        }
    }
}
