package org.edgetorch.study;

import org.bytedeco.pytorch.global.torch;
import org.edgetorch.backend.Backend;
import org.edgetorch.backend.BytedecoBackend;
import org.edgetorch.backend.NativeLoop;
import org.edgetorch.bench.BenchTarget;
import org.edgetorch.tensor.FloatTensor;

import java.util.Locale;
import java.util.Optional;

/**
 * A quantized variant: its engine is selected before it loads (packed weights re-pack for the engine
 * selected then) and, when the run mixes engines, before each call (quantized kernels dispatch by it).
 * A native loop gets the engine before each of its runs, outside its timed region.
 */
final class EngineTarget implements BenchTarget {
    private final BenchTarget inner;
    private final Backend backend;
    private final String engine;
    private final boolean everyCall;
    private final Runnable select;

    EngineTarget(BenchTarget inner, Backend backend, String engine, boolean everyCall) {
        this.inner = inner;
        this.backend = backend;
        this.engine = engine;
        this.everyCall = everyCall;
        this.select = fastSelect(backend, engine);
    }

    /** The backend's setter checks the name against the engines it has; inside a timed call only the store is wanted. */
    private static Runnable fastSelect(Backend backend, String engine) {
        if (!(backend instanceof BytedecoBackend)) return () -> backend.setQuantizedEngine(engine);
        backend.setQuantizedEngine(engine);  // validates once
        torch.QEngine q = torch.QEngine.valueOf(engine.equals("x86") ? "X86" : engine.toUpperCase(Locale.ROOT));
        return () -> torch.globalContext().setQEngine(q);
    }

    @Override
    public String name() {
        return inner.name();
    }

    @Override
    public String kind() {
        return inner.kind();
    }

    @Override
    public String source() {
        return inner.source();
    }

    @Override
    public String timedCall() {
        return inner.timedCall() + (everyCall ? " (after selecting the " + engine + " engine)" : "");
    }

    @Override
    public void load() {
        backend.setQuantizedEngine(engine);
        inner.load();
    }

    @Override
    public void prepare(FloatTensor input) {
        backend.setQuantizedEngine(engine);
        inner.prepare(input);
    }

    @Override
    public void runOnce() {
        if (everyCall) select.run();
        inner.runOnce();
    }

    @Override
    public double consume() {
        return inner.consume();
    }

    @Override
    public Optional<NativeLoop> nativeLoop() {
        return inner.nativeLoop().map(loop -> new NativeLoop() {
            @Override
            public void prepare(FloatTensor input) {
                loop.prepare(input);
            }

            @Override
            public Samples run(int warmupRuns, int measuredRuns) {
                backend.setQuantizedEngine(engine);
                return loop.run(warmupRuns, measuredRuns);
            }

            @Override
            public String wallClock() {
                return loop.wallClock();
            }

            @Override
            public String cpuClock() {
                return loop.cpuClock();
            }

            @Override
            public void close() {
                loop.close();
            }
        });
    }

    @Override
    public void close() {
        inner.close();
    }
}
