package org.edgetorch.bench;

import org.bytedeco.javacpp.Loader;
import org.bytedeco.javacpp.Pointer;
import org.bytedeco.javacpp.annotation.Cast;
import org.bytedeco.javacpp.annotation.Name;
import org.bytedeco.javacpp.annotation.Namespace;
import org.bytedeco.javacpp.annotation.Platform;

/**
 * JNI mapping of {@code native/edgetorch_clock.h}, compiled by the javacpp Maven plugin during
 * {@code process-classes} into {@code org/edgetorch/bench/<platform>/libjniNativeClock.so} (or .dylib,
 * .dll) inside the jar. Use it through {@link Clocks}, which falls back to Java clocks when the
 * library was not built for this platform.
 */
@Platform(include = "edgetorch_clock.h")
@Namespace("edgetorch")
public final class NativeClock {
    static {
        Loader.load();
    }

    private NativeClock() {
    }

    /** Monotonic raw wall clock in nanoseconds (arbitrary origin). */
    @Cast("jlong")
    public static native long wall_ns();

    /** CPU time of the calling thread in nanoseconds, or -1 when the OS cannot tell. */
    @Cast("jlong")
    public static native long thread_cpu_ns();

    /** Peak resident set size of the process in bytes (getrusage / GetProcessMemoryInfo), or -1. */
    @Cast("jlong")
    public static native long peak_rss_bytes();

    @Cast("const char*")
    public static native String wall_clock_name();

    @Cast("const char*")
    public static native String cpu_clock_name();

    /** Samples in native memory; {@link #start()} and {@link #stop()} bracket exactly one measured call. */
    @Name("SampleStore")
    public static final class SampleStore extends Pointer {
        static {
            Loader.load();
        }

        public SampleStore(long capacity) {
            allocate(capacity);
        }

        private native void allocate(@Cast("long long") long capacity);

        public native void start();

        public native void stop();

        @Cast("jlong")
        public native long size();

        /** Sum of the wall samples, in nanoseconds. */
        @Cast("jlong")
        public native long total_wall();

        public native @Cast("bool") boolean overflow();

        public native void clear();

        @Cast("jlong")
        public native long copy_wall(@Cast("long long") long from, @Cast("long long") long n, @Cast("long long*") long[] out);

        @Cast("jlong")
        public native long copy_cpu(@Cast("long long") long from, @Cast("long long") long n, @Cast("long long*") long[] out);
    }
}
