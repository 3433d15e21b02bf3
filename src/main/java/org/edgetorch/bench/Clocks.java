package org.edgetorch.bench;

import org.edgetorch.util.UserError;

import java.lang.management.ManagementFactory;
import java.lang.management.ThreadMXBean;
import java.util.Arrays;

/**
 * The harness's clocks: the native ones of {@code native/edgetorch_clock.h} (through {@link NativeClock})
 * when the jar carries the JNI library for this platform, otherwise Java's {@code System.nanoTime()} and
 * {@code ThreadMXBean}, which the report then names. Setting the system property
 * {@code edgetorch.bench.clock=java} forces the Java clocks.
 */
public final class Clocks {
    private static Clocks instance;

    private final boolean nativeClocks;
    private final String wallClock;
    private final String cpuClock;
    private final String fallbackReason;
    private final ThreadMXBean threads = ManagementFactory.getThreadMXBean();

    private Clocks(boolean nativeClocks, String wallClock, String cpuClock, String fallbackReason) {
        this.nativeClocks = nativeClocks;
        this.wallClock = wallClock;
        this.cpuClock = cpuClock;
        this.fallbackReason = fallbackReason;
    }

    public static synchronized Clocks get() {
        if (instance == null) instance = detect();
        return instance;
    }

    private static Clocks detect() {
        if ("java".equals(System.getProperty("edgetorch.bench.clock"))) {
            return javaClocks("edgetorch.bench.clock=java");
        }
        try {
            return new Clocks(true, NativeClock.wall_clock_name(), NativeClock.cpu_clock_name(), null);
        } catch (UnsatisfiedLinkError | NoClassDefFoundError | ExceptionInInitializerError e) {
            return javaClocks("no native clock library for this platform in the jar (" + e.getMessage() + ")");
        }
    }

    private static Clocks javaClocks(String reason) {
        return new Clocks(false, "System.nanoTime", "ThreadMXBean.getCurrentThreadCpuTime", reason);
    }

    /** {@code native} or {@code java}. */
    public String implementation() {
        return nativeClocks ? "native" : "java";
    }

    public String wallClock() {
        return wallClock;
    }

    public String cpuClock() {
        return cpuClock;
    }

    /** Why the Java clocks are used, or null with the native ones. */
    public String fallbackReason() {
        return fallbackReason;
    }

    public long wallNs() {
        return nativeClocks ? NativeClock.wall_ns() : System.nanoTime();
    }

    /** Peak RSS from the OS's own accounting (getrusage, GetProcessMemoryInfo), or -1. */
    long nativePeakRssBytes() {
        return nativeClocks ? NativeClock.peak_rss_bytes() : -1;
    }

    public SampleTimer newTimer(int capacity) {
        return nativeClocks ? new NativeTimer(capacity) : new JavaTimer(capacity, threads);
    }

    /** Samples kept in native memory; both clocks read in C++. */
    private static final class NativeTimer implements SampleTimer {
        private final NativeClock.SampleStore store;

        NativeTimer(int capacity) {
            store = new NativeClock.SampleStore(capacity);
        }

        @Override
        public void start() {
            store.start();
        }

        @Override
        public void stop() {
            store.stop();
        }

        @Override
        public int size() {
            return Math.toIntExact(store.size());
        }

        @Override
        public long totalWallNs() {
            return store.total_wall();
        }

        @Override
        public long[] wallNs() {
            check();
            long[] out = new long[size()];
            store.copy_wall(0, out.length, out);
            return out;
        }

        @Override
        public long[] cpuNs() {
            check();
            long[] out = new long[size()];
            store.copy_cpu(0, out.length, out);
            return out;
        }

        private void check() {
            if (store.overflow()) throw new UserError("out of memory for benchmark samples; use fewer --runs or a shorter --min-time");
        }

        @Override
        public void clear() {
            store.clear();
        }

        @Override
        public void close() {
            store.close();
        }
    }

    /** Fallback: samples in Java arrays, grown outside the timed region. */
    private static final class JavaTimer implements SampleTimer {
        private final ThreadMXBean threads;
        private final boolean cpuSupported;
        private long[] wall;
        private long[] cpu;
        private int size;
        private long total;
        private long startWall;
        private long startCpu;

        JavaTimer(int capacity, ThreadMXBean threads) {
            this.threads = threads;
            this.cpuSupported = threads.isCurrentThreadCpuTimeSupported();
            wall = new long[Math.max(16, capacity)];
            cpu = new long[wall.length];
        }

        @Override
        public void start() {
            startCpu = cpuSupported ? threads.getCurrentThreadCpuTime() : -1;
            startWall = System.nanoTime();
        }

        @Override
        public void stop() {
            long w = System.nanoTime();
            long c = cpuSupported ? threads.getCurrentThreadCpuTime() : -1;
            if (size == wall.length) {
                wall = Arrays.copyOf(wall, size * 2);
                cpu = Arrays.copyOf(cpu, size * 2);
            }
            wall[size] = w - startWall;
            cpu[size] = cpuSupported ? c - startCpu : -1;
            total += w - startWall;
            size++;
        }

        @Override
        public int size() {
            return size;
        }

        @Override
        public long totalWallNs() {
            return total;
        }

        @Override
        public long[] wallNs() {
            return Arrays.copyOf(wall, size);
        }

        @Override
        public long[] cpuNs() {
            return Arrays.copyOf(cpu, size);
        }

        @Override
        public void clear() {
            size = 0;
            total = 0;
        }

        @Override
        public void close() {
            // nothing native to free
        }
    }
}
