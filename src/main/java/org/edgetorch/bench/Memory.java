package org.edgetorch.bench;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * Resident memory of this process. Linux: {@code VmRSS} and {@code VmHWM} (peak) from
 * {@code /proc/self/status}; the peak is reset before each model's load by writing {@code 5} to
 * {@code /proc/self/clear_refs} (Linux 4.0+), so each model's peak covers its own load, first inference
 * and warm-up (with everything loaded before it still resident). Elsewhere: the OS's lifetime peak
 * ({@code getrusage} ru_maxrss on macOS, {@code PeakWorkingSetSize} on Windows) through the native
 * clock library, which cannot be reset; -1 when nothing is available.
 */
final class Memory {
    private static final Path STATUS = Path.of("/proc/self/status");
    private static final Path CLEAR_REFS = Path.of("/proc/self/clear_refs");

    private Memory() {
    }

    /** Where the peak comes from, for the report. */
    static String peakSource() {
        if (Files.isReadable(STATUS)) return "VmHWM (/proc/self/status)";
        return Clocks.get().nativePeakRssBytes() >= 0 ? "OS peak (getrusage / GetProcessMemoryInfo)" : "unavailable";
    }

    /** Resets the peak to the current RSS where the OS allows it; false when it does not. */
    static boolean resetPeak() {
        try {
            Files.writeString(CLEAR_REFS, "5");
            return true;
        } catch (IOException | UnsupportedOperationException | SecurityException e) {
            return false;
        }
    }

    static long peakRssBytes() {
        long hwm = procStatusBytes("VmHWM:");
        return hwm >= 0 ? hwm : Clocks.get().nativePeakRssBytes();
    }

    static long currentRssBytes() {
        return procStatusBytes("VmRSS:");
    }

    private static long procStatusBytes(String key) {
        if (!Files.isReadable(STATUS)) return -1;
        try {
            for (String line : Files.readAllLines(STATUS)) {
                if (line.startsWith(key)) {
                    String[] parts = line.substring(key.length()).trim().split("\\s+");
                    return Long.parseLong(parts[0]) * 1024;  // the kernel reports kB
                }
            }
        } catch (IOException | NumberFormatException e) {
            return -1;
        }
        return -1;
    }
}
