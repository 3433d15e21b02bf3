package org.edgetorch.backend;

import org.bytedeco.pytorch.Tensor;
import org.edgetorch.runtime.InputLayout;
import org.edgetorch.runtime.Model;
import org.bytedeco.javacpp.PointerScope;
import org.bytedeco.pytorch.IValue;
import org.bytedeco.pytorch.IValueVector;
import org.bytedeco.pytorch.JitModule;
import org.bytedeco.pytorch.QEngineVector;
import org.bytedeco.pytorch.global.torch;
import org.edgetorch.tensor.FloatTensor;
import org.edgetorch.tensor.Tensors;
import org.edgetorch.util.UserError;

import java.io.InputStream;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Properties;

/** LibTorch 2.10 through Bytedeco's JavaCPP presets: every platform Bytedeco publishes natives for. */
public final class BytedecoBackend implements Backend {

    public BytedecoBackend() {
        BytedecoNatives.ensureExtracted();
    }

    @Override
    public String name() {
        return "bytedeco";
    }

    @Override
    public String libtorchVersion() {
        // The presets expose no TORCH_VERSION; their Maven version is "<libtorch>-<javacpp>".
        try (InputStream in = torch.class.getResourceAsStream("/META-INF/maven/org.bytedeco/pytorch/pom.properties")) {
            if (in != null) {
                Properties p = new Properties();
                p.load(in);
                String v = p.getProperty("version", "unknown");
                int dash = v.indexOf('-');
                return dash > 0 ? v.substring(0, dash) : v;
            }
        } catch (java.io.IOException ignored) {
            // fall through
        }
        return "unknown";
    }

    @Override
    public List<String> quantizedEngines() {
        List<String> out = new ArrayList<>();
        QEngineVector v = torch.globalContext().supportedQEngines();
        for (long i = 0; i < v.size(); i++) {
            String e = engineName(v.get(i));
            if (e != null) out.add(e);
        }
        return out;
    }

    @Override
    public boolean xnnpackAvailable() {
        return torch.globalContext().isXNNPACKAvailable();
    }

    @Override
    public int threads() {
        return torch.get_num_threads();
    }

    @Override
    public void setThreads(int threads) {
        if (threads < 1) throw new UserError("--threads must be at least 1, got " + threads);
        torch.set_num_threads(threads);
        // The presets' LibTorch does its BLAS work (e.g. the GEMMs behind ATen's FP32 convolutions) in
        // OpenBLAS, whose own thread pool ignores at::set_num_threads. Left alone it runs one
        // busy-waiting thread per core: measured here, a 1-thread MobileNet-V2 forward burnt ~250 ms of
        // CPU instead of ~25 ms on a loaded 2-core machine. Bytedeco's helper sets it in the loaded BLAS.
        try {
            org.bytedeco.openblas.presets.openblas_nolapack.blas_set_num_threads(threads);
        } catch (UnsatisfiedLinkError | NoClassDefFoundError e) {
            // no OpenBLAS natives for this platform: nothing to limit
        }
    }

    @Override
    public void setQuantizedEngine(String engine) {
        String want = engine.toLowerCase(Locale.ROOT);
        List<String> have = quantizedEngines();
        if (!have.contains(want)) {
            throw new UserError("quantized engine '" + engine + "' is not in this LibTorch build; supported: "
                    + String.join(", ", have));
        }
        torch.globalContext().setQEngine(torch.QEngine.valueOf(want.equals("x86") ? "X86" : want.toUpperCase(Locale.ROOT)));
    }

    @Override
    public Runnable engineSelector(String engine) {
        setQuantizedEngine(engine); // validates once
        torch.QEngine q = torch.QEngine.valueOf(engine.equalsIgnoreCase("x86") ? "X86" : engine.toUpperCase(Locale.ROOT));
        return () -> torch.globalContext().setQEngine(q);
    }

    public String currentQuantizedEngine() {
        return engineName(torch.globalContext().qEngine());
    }

    /** The presets' QEngine enum comes back from native code without a Java name; map by value. */
    private static String engineName(torch.QEngine e) {
        for (torch.QEngine k : torch.QEngine.values()) {
            if (k.value == e.value) return k == torch.QEngine.NoQEngine ? null : k.name().toLowerCase(Locale.ROOT);
        }
        return null;
    }

    @Override
    public Model load(Path file, InputLayout layout) {
        return new BytedecoScriptModel(ModelFiles.loadChecked(file), file.toString(), layout);
    }

    /** A TorchScript module held by the presets. */
    public static final class BytedecoScriptModel implements Model {
        private final JitModule module;
        private final String source;
        private final InputLayout layout;
        private boolean closed;

        BytedecoScriptModel(JitModule module, String source, InputLayout layout) {
            this.module = module;
            this.source = source;
            this.layout = layout;
        }

        @Override
        public InputLayout inputLayout() {
            return layout;
        }

        /** The input as LibTorch takes it: NCHW-shaped, in channels-last memory when the layout is NHWC. */
        Tensor input(FloatTensor x) {
            Tensor t = Tensors.toTorch(x);
            return layout == InputLayout.NHWC && t.dim() == 4 ? t.contiguous(torch.MemoryFormat.ChannelsLast) : t;
        }

        public JitModule module() {
            checkOpen();
            return module;
        }

        @Override
        public FloatTensor forward(FloatTensor input) {
            checkOpen();
            try (PointerScope scope = new PointerScope()) {
                IValue out = module.forward(new IValueVector(new IValue(input(input))));
                if (!out.isTensor()) throw new UserError(source + ": forward did not return a tensor");
                return Tensors.fromTorch(out.toTensor());
            } catch (RuntimeException e) {
                if (e instanceof UserError) throw e;
                throw new UserError(source + ": forward failed: " + ModelFiles.firstLine(e.getMessage()), e);
            }
        }

        /**
         * The presets' forward on inputs the caller built once (the bench harness times exactly this
         * call, without the Java-to-tensor copies of {@link #forward(FloatTensor)}). The caller owns the
         * returned value and closes it.
         */
        public IValue forward(IValueVector inputs) {
            checkOpen();
            try {
                return module.forward(inputs);
            } catch (RuntimeException e) {
                throw new UserError(source + ": forward failed: " + ModelFiles.reason(e.getMessage()), e);
            }
        }

        /** The presets' forward on an input tensor built once, with autograd off (see {@link BytedecoForward}). */
        @Override
        public org.edgetorch.runtime.PreparedRun prepare(FloatTensor input) {
            checkOpen();
            return new BytedecoForward(this, input);
        }

        /** A closed module's native memory is gone: calling into it would crash the JVM, so refuse. */
        private void checkOpen() {
            if (closed) throw new IllegalStateException(source + " is closed");
        }

        @Override
        public String source() {
            return source;
        }

        @Override
        public void close() {
            if (closed) return;
            closed = true;
            module.close();
        }
    }
}
