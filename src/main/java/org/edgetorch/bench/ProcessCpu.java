package org.edgetorch.bench;

import java.io.IOException;
import java.lang.management.ManagementFactory;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * CPU time of this whole process over all its threads (LibTorch's intra-op pool included), in nanoseconds.
 * Linux: the sum of every thread's run time in {@code /proc/self/task/<tid>/schedstat} (nanosecond
 * resolution; a thread that exits between two readings takes its time with it, which the harness avoids by
 * reading before and after a phase in which LibTorch's pool persists). Elsewhere:
 * {@code OperatingSystemMXBean.getProcessCpuTime}, at the OS's tick resolution.
 */
public final class ProcessCpu {
    private static final Path TASKS = Path.of("/proc/self/task");

    private ProcessCpu() {
    }

    /** What {@link #ns()} reads, for the report. */
    public static String source() {
        return schedstatNs() >= 0 ? "sum of /proc/self/task/*/schedstat" : "OperatingSystemMXBean.getProcessCpuTime";
    }

    /** CPU time of the process so far, or -1 when the OS cannot tell. */
    public static long ns() {
        long s = schedstatNs();
        if (s >= 0) return s;
        if (ManagementFactory.getOperatingSystemMXBean() instanceof com.sun.management.OperatingSystemMXBean os) {
            return os.getProcessCpuTime();
        }
        return -1;
    }

    private static long schedstatNs() {
        if (!Files.isDirectory(TASKS)) return -1;
        long total = 0;
        int threads = 0;
        try (DirectoryStream<Path> ds = Files.newDirectoryStream(TASKS)) {
            for (Path task : ds) {
                try {
                    String line = Files.readString(task.resolve("schedstat"));
                    int space = line.indexOf(' ');
                    total += Long.parseLong(space < 0 ? line.trim() : line.substring(0, space));
                    threads++;
                } catch (IOException e) {
                    // the thread ended while we listed: its time is gone either way
                }
            }
        } catch (IOException | NumberFormatException e) {
            return -1;
        }
        return threads == 0 ? -1 : total;
    }
}
