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

    /** Facts for {@code info} (providers, engines, library paths); may be empty. */
    Map<String, Object> details();
}
