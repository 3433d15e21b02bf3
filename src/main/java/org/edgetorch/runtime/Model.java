package org.edgetorch.runtime;

import org.edgetorch.backend.NativeLoop;
import org.edgetorch.tensor.FloatTensor;

import java.util.Optional;

/**
 * A loaded model whose forward takes one image batch and returns one tensor: a TorchScript or
 * lite-interpreter module on LibTorch, an ONNX file on ONNX Runtime, the eager Java model. Every command
 * that runs models ({@code predict}, {@code bench}, {@code verify}, {@code compare}, {@code study}) goes
 * through this interface and never names a concrete runtime.
 */
public interface Model extends AutoCloseable {

    /** One inference; the input is NCHW float32, the output copied into Java memory. */
    FloatTensor forward(FloatTensor input);

    /**
     * The input built once in the runtime's own form, for the bench harness: the timed call then holds the
     * inference and nothing else. The default copies between Java and the runtime inside the timed call.
     */
    default PreparedRun prepare(FloatTensor input) {
        return new CopyingRun(this, input);
    }

    /**
     * A benchmark loop that runs warm-up and measured calls entirely in native code, when the runtime
     * has one (the bridge backend); the bench harness prefers it to timing calls from Java.
     */
    default Optional<NativeLoop> nativeLoop() {
        return Optional.empty();
    }

    /** The layout its input is given in by {@link #prepare} (the one its kernels want, unless overridden). */
    default InputLayout inputLayout() {
        return InputLayout.NCHW;
    }

    /** The file this model came from, for messages and reports. */
    String source();

    @Override
    void close();
}
