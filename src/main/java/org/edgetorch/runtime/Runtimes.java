package org.edgetorch.runtime;

import org.edgetorch.backend.Backends;
import org.edgetorch.runtime.libtorch.LibTorchRuntime;
import org.edgetorch.runtime.onnxruntime.OrtRuntime;
import org.edgetorch.runtime.tflite.TfliteRuntime;
import org.edgetorch.util.UserError;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The one place a runtime is chosen: by the model file's format. A runtime is created on first use only,
 * so running ONNX files never loads LibTorch (a board needs no system LibTorch for them).
 */
public final class Runtimes {
    public static final String LIBTORCH = "libtorch";
    public static final String ONNXRUNTIME = "onnxruntime";
    public static final String TFLITE = "tflite";

    private static final Map<String, Runtime> created = new LinkedHashMap<>();
    private static int threads = 1;
    /** {@code --input-layout}: null lets each model take the layout its kernels want. */
    private static InputLayout inputLayout;
    private static boolean xnnpack = true;

    private Runtimes() {
    }

    /** Which runtime runs a format. Pure, for tests. */
    public static String choose(ModelFormat format) {
        return switch (format) {
            case TORCHSCRIPT, LITE -> LIBTORCH;
            case ONNX -> ONNXRUNTIME;
            case TFLITE -> TFLITE;
        };
    }

    /** The runtime of that name, created on first use with the current thread count. */
    public static synchronized Runtime get(String name) {
        Runtime r = created.get(name);
        if (r == null) {
            r = switch (name) {
                case LIBTORCH -> new LibTorchRuntime();
                case ONNXRUNTIME -> new OrtRuntime();
                case TFLITE -> new TfliteRuntime();
                default -> throw new UserError("unknown runtime '" + name + "'; use " + LIBTORCH + ", " + ONNXRUNTIME + " or " + TFLITE);
            };
            r.setThreads(threads);
            r.setXnnpack(xnnpack);
            created.put(name, r);
        }
        return r;
    }

    public static Runtime forFormat(ModelFormat format) {
        return get(choose(format));
    }

    /** Loads any model file on the runtime for its format. */
    public static Model load(Path file) {
        return forFormat(ModelFormat.of(file)).load(file);
    }

    /**
     * Loads a model file with the XNNPACK delegate on or off for this model only, whatever {@link #setXnnpack}
     * says (the study measures TFLite INT8 both ways); only TensorFlow Lite has the choice, other runtimes
     * load as {@link #load(Path)}.
     */
    public static Model load(Path file, boolean withXnnpack) {
        ModelFormat f = ModelFormat.of(file);
        Runtime r = forFormat(f);
        return r.load(file, withXnnpack);
    }

    /** Whether TensorFlow Lite models loaded from now on use the XNNPACK delegate ({@code --no-xnnpack} switches it off). */
    public static synchronized void setXnnpack(boolean on) {
        xnnpack = on;
        for (Runtime r : created.values()) {
            r.setXnnpack(on);
        }
    }

    public static synchronized boolean xnnpack() {
        return xnnpack;
    }

    /** The thread count for every runtime, now and created later. */
    public static synchronized void setThreads(int n) {
        if (n < 1) throw new UserError("--threads must be at least 1, got " + n);
        threads = n;
        Backends.setThreads(n); // LibTorch's setting is process-wide, and the eager Java models use it too
        for (Runtime r : created.values()) r.setThreads(n);
    }

    /** Overrides every model's input layout ({@code bench --input-layout}); null restores each model's own. */
    public static synchronized void setInputLayout(InputLayout layout) {
        inputLayout = layout;
    }

    public static synchronized InputLayout inputLayoutOverride() {
        return inputLayout;
    }

    public static synchronized int threads() {
        return threads;
    }

    /** The runtimes this process has created so far, for reports: name to version. */
    public static synchronized Map<String, String> loadedVersions() {
        Map<String, String> out = new LinkedHashMap<>();
        for (Runtime r : created.values()) out.put(r.name(), r.version());
        return out;
    }

    /** Every runtime edgetorch knows, created now (for {@code info}). */
    public static List<Runtime> all() {
        List<Runtime> out = new ArrayList<>();
        out.add(get(LIBTORCH));
        out.add(get(ONNXRUNTIME));
        out.add(get(TFLITE));
        return out;
    }
}
