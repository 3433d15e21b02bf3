package org.edgetorch.runtime;

import java.nio.file.Path;
import java.util.Map;
import java.util.Set;

/**
 * An inference engine edgetorch runs model files on: LibTorch (through Bytedeco's presets or the bridge)
 * or ONNX Runtime. Chosen by {@link Runtimes} from a file's format; commands never name one.
 */
public interface Runtime {

    /** {@code libtorch} or {@code onnxruntime}. */
    String name();

    /** The runtime's own version string. */
    String version();

    /** The file formats it loads. */
    Set<ModelFormat> formats();

    boolean hasCapability(Capability capability);

    /** Intra-op threads for models loaded from now on (LibTorch's setting is process-wide). */
    void setThreads(int threads);

    /** Loads a model file of one of {@link #formats()}; bad files are a {@link org.edgetorch.util.UserError}. */
    Model load(Path file);

    /**
     * Loads a file with a delegate such as XNNPACK on or off for this model only; a runtime without that choice
     * loads as {@link #load(Path)}.
     */
    default Model load(Path file, boolean withXnnpack) {
        return load(file);
    }

    /** Whether models loaded from now on use XNNPACK where the runtime has the choice ({@code --no-xnnpack}). */
    default void setXnnpack(boolean on) {
    }

    /** Facts for {@code info} (providers, engines, library paths); may be empty. */
    Map<String, Object> details();
}
