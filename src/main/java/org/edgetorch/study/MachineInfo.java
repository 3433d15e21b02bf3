package org.edgetorch.study;

import org.edgetorch.backend.Backend;
import org.edgetorch.backend.Backends;

import java.io.IOException;
import java.lang.management.ManagementFactory;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

/**
 * The machine and runtime the figures were measured on.
 *
 * @param cpuModel          the CPU's name (Linux: {@code model name} of /proc/cpuinfo), or the JVM's os.arch
 * @param quantizedEngines  engines this LibTorch build has
 * @param loadAverage       the system's 1-minute load average when the study started (negative: unknown);
 *                          on a shared machine it says how much else competed for the CPUs
 */
public record MachineInfo(String cpuModel, int cpus, String os, String platform, String java, String libtorch,
                          String backend, List<String> quantizedEngines, boolean xnnpack, double loadAverage) {

    public static MachineInfo of(Backend b, double loadAverage) {
        return new MachineInfo(readCpuModel(), Runtime.getRuntime().availableProcessors(),
                System.getProperty("os.name") + " " + System.getProperty("os.version"), Backends.platform(),
                System.getProperty("java.vm.name") + " " + System.getProperty("java.version"), b.libtorchVersion(),
                b.name(), b.quantizedEngines(), b.xnnpackAvailable(), loadAverage);
    }

    public static double currentLoadAverage() {
        return ManagementFactory.getOperatingSystemMXBean().getSystemLoadAverage();
    }

    static String readCpuModel() {
        Path cpuinfo = Path.of("/proc/cpuinfo");
        if (Files.isReadable(cpuinfo)) {
            try {
                for (String line : Files.readAllLines(cpuinfo)) {
                    // x86: "model name"; many ARM kernels: "Model" (board) or "Hardware"
                    if (line.startsWith("model name") || line.startsWith("Model") || line.startsWith("Hardware")) {
                        int colon = line.indexOf(':');
                        if (colon > 0 && !line.substring(colon + 1).isBlank()) return line.substring(colon + 1).strip();
                    }
                }
            } catch (IOException ignored) {
                // fall through to os.arch
            }
        }
        return System.getProperty("os.arch");
    }
}
