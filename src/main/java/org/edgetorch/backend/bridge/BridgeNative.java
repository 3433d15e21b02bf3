package org.edgetorch.backend.bridge;

import org.bytedeco.javacpp.Pointer;
import org.bytedeco.javacpp.annotation.Cast;
import org.bytedeco.javacpp.annotation.Name;
import org.bytedeco.javacpp.annotation.Namespace;
import org.bytedeco.javacpp.annotation.Platform;
import org.bytedeco.javacpp.annotation.StdString;

/**
 * JNI mapping of {@code native/bridge/edgetorch_bridge.h}. JavaCPP generates the JNI from this class and
 * compiles it, with the C++ layer, into {@code org/edgetorch/backend/bridge/<platform>/libjniBridgeNative.so}
 * (the Maven profiles in pom.xml, or {@code edgetorch bridge build}). The library links the system's
 * LibTorch by soname ({@code -ltorch -ltorch_cpu -lc10}), deliberately not through {@code @Platform(link)}:
 * JavaCPP's loader would then look for LibTorch among the jar's resources, where the Bytedeco presets'
 * build lives. One LibTorch per process: nothing here touches {@code org.bytedeco.pytorch}.
 *
 * <p>Never use this class before {@link BridgeLibrary#load()} succeeded: the static initializers only
 * make sure of it, they do not report why loading failed.
 */
@Platform(include = {"edgetorch_bridge.h", "edgetorch_bridge.cpp"}, compiler = {"cpp17", "nodeprecated"})
@Namespace("edgetorch::bridge")
public final class BridgeNative {
    static {
        BridgeLibrary.load();
    }

    private BridgeNative() {
    }

    public static native @StdString String libtorch_version();

    public static native @StdString String compiled_version();

    public static native @Cast("bool") boolean xnnpack_available();

    public static native @StdString String quantized_engines();

    public static native @StdString String quantized_engine();

    public static native @StdString String set_quantized_engine(@StdString String name);

    public static native int num_threads();

    public static native @StdString String set_num_threads(int threads);

    public static native @Cast("long long") long max_bytecode_version();

    public static native @Cast("long long") long max_file_format_version();

    public static native @StdString String build_config();

    public static native @Cast("long long") long wall_ns();

    public static native @Cast("long long") long thread_cpu_ns();

    public static native @StdString String wall_clock_name();

    public static native @StdString String cpu_clock_name();

    /** A module loaded by the bridge's LibTorch; failures leave their message in {@link #error()}. */
    @Name("Model")
    public static final class Model extends Pointer {
        static {
            BridgeLibrary.load();
        }

        public Model() {
            allocate();
        }

        private native void allocate();

        public native @Cast("bool") boolean load(@StdString String path, @Cast("bool") boolean lite);

        public native @Cast("bool") boolean loaded();

        public native @Cast("bool") boolean lite();

        public native void set_channels_last(@Cast("bool") boolean channelsLast);

        public native @Cast("bool") boolean channels_last();

        public native @Cast("bool") boolean forward(float[] data, @Cast("const long long*") long[] shape, int ndim);

        public native int output_dim();

        public native void output_shape(@Cast("long long*") long[] out);

        public native @Cast("long long") long output_numel();

        public native void output_data(float[] out);

        public native @Cast("bool") boolean prepare_input(float[] data, @Cast("const long long*") long[] shape, int ndim);

        public native @Cast("long long") long run_loop(@Cast("long long") long warmupRuns, @Cast("long long") long measuredRuns,
                                                       @Cast("long long*") long[] wallNs, @Cast("long long*") long[] cpuNs,
                                                       @Cast("long long") long capacity);

        public native double sink();

        public native @Cast("bool") boolean save_for_mobile(@StdString String path, @Cast("bool") boolean optimize);

        public native @StdString String error();
    }
}
