package org.edgetorch.backend;

import org.edgetorch.tensor.FloatTensor;

/** A loaded TorchScript or lite-interpreter module whose forward takes one tensor and returns one. */
public interface ScriptModel extends AutoCloseable {

    FloatTensor forward(FloatTensor input);

    /** The file this model came from, for messages and reports. */
    String source();

    @Override
    void close();
}
