package org.edgetorch.runtime.libtorch;

import org.edgetorch.backend.NativeLoop;
import org.edgetorch.runtime.Model;
import org.edgetorch.runtime.PreparedRun;
import org.edgetorch.tensor.FloatTensor;

import java.util.Optional;

/**
 * A quantized LibTorch model that selects its engine before each call (one store into LibTorch, well
 * under a microsecond), so models of different engines can be interleaved in one process.
 */
final class EngineBoundModel implements Model {
    private final Model model;
    private final String engine;
    private final Runnable select;

    EngineBoundModel(Model model, String engine, Runnable select) {
        this.model = model;
        this.engine = engine;
        this.select = select;
    }

    @Override
    public FloatTensor forward(FloatTensor input) {
        select.run();
        return model.forward(input);
    }

    @Override
    public PreparedRun prepare(FloatTensor input) {
        select.run();
        PreparedRun inner = model.prepare(input);
        return new PreparedRun() {
            @Override
            public void run() {
                select.run();
                inner.run();
            }

            @Override
            public double consume() {
                return inner.consume();
            }

            @Override
            public String description() {
                return inner.description() + ", after selecting the " + engine + " engine";
            }

            @Override
            public long inputConversionNanos() {
                return inner.inputConversionNanos();
            }

            @Override
            public void close() {
                inner.close();
            }
        };
    }

    /** A native loop runs without coming back to Java: the engine is selected before each of its runs. */
    @Override
    public Optional<NativeLoop> nativeLoop() {
        select.run();
        return model.nativeLoop().map(loop -> new NativeLoop() {
            @Override
            public void prepare(FloatTensor input) {
                loop.prepare(input);
            }

            @Override
            public Samples run(int warmupRuns, int measuredRuns) {
                select.run();
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
    public org.edgetorch.runtime.InputLayout inputLayout() {
        return model.inputLayout();
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
