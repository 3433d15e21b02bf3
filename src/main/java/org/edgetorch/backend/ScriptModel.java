package org.edgetorch.backend;

import org.edgetorch.tensor.FloatTensor;

import java.util.Optional;

/** A loaded TorchScript or lite-interpreter module whose forward takes one tensor and returns one. */
public interface ScriptModel extends AutoCloseable {

    FloatTensor forward(FloatTensor input);

    /**
     * A benchmark loop that runs warm-up and measured calls entirely in native code, when the backend
     * has one (the bridge backend); the bench harness prefers it to timing calls from Java.
     */
    default Optional<NativeLoop> nativeLoop() {
        return Optional.empty();
    }

    /** The file this model came from, for messages and reports. */
    String source();

    @Override
    void close();
}
