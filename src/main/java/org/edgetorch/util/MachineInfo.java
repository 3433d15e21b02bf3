package org.edgetorch.util;

import org.edgetorch.backend.Backend;
import org.edgetorch.backend.Backends;

import java.io.IOException;
import java.lang.management.ManagementFactory;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * The machine and runtime figures were measured on, named by one rule everywhere (bench, study, --save-io files,
 * compare), so one machine never gets two names in a comparison.
 *
 * @param cpuModel         x86: {@code model name} of /proc/cpuinfo; ARM: the board ({@code Model}, or the device
 *                         tree's model) and the core ({@code CPU part 0xd08 (Cortex-A72)}); otherwise os.arch
 * @param emulation        set by bench/arm64-e2e.sh through {@value #EMULATION_ENV} (e.g. {@code qemu-aarch64}):
 *                         latency under emulation means nothing; null on real hardware
 * @param quantizedEngines engines this LibTorch build has
 * @param loadAverage      the system's 1-minute load average when measuring started (negative: unknown); on a
 *                         shared machine it says how much else competed for the CPUs
 */
public record MachineInfo(String cpuModel, int cpus, String os, String platform, String java, String emulation,
                          String libtorch, String backend, List<String> quantizedEngines, boolean xnnpack, double loadAverage) {

    public static final String EMULATION_ENV = "EDGETORCH_EMULATION";

    public MachineInfo {
        quantizedEngines = List.copyOf(quantizedEngines);
    }

    /** This machine, with the backend's LibTorch, and the load average now. */
    public static MachineInfo of(Backend b) {
        return of(b, currentLoadAverage());
    }

    public static MachineInfo of(Backend b, double loadAverage) {
        String emulation = System.getenv(EMULATION_ENV);
        return new MachineInfo(detectCpuModel(), Runtime.getRuntime().availableProcessors(),
                System.getProperty("os.name") + " " + System.getProperty("os.version"), Backends.platform(),
                System.getProperty("java.vm.name") + " " + System.getProperty("java.version"),
                emulation == null || emulation.isBlank() ? null : emulation, b.libtorchVersion(), b.name(),
                b.quantizedEngines(), b.xnnpackAvailable(), loadAverage);
    }

    public static double currentLoadAverage() {
        return ManagementFactory.getOperatingSystemMXBean().getSystemLoadAverage();
    }

    /** The fields as every JSON document writes them ({@code emulation} only when set, load average null when unknown). */
    public Map<String, Object> toJson() {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("cpu", cpuModel);
        m.put("cpus", cpus);
        m.put("os", os);
        m.put("platform", platform);
        m.put("java", java);
        if (emulation != null) m.put("emulation", emulation);
        m.put("libtorch", libtorch);
        m.put("backend", backend);
        m.put("quantized_engines", quantizedEngines);
        m.put("xnnpack", xnnpack);
        m.put("load_average", loadAverage < 0 ? null : loadAverage);
        return m;
    }

    /** The CPU's name by the one rule (see the record's description), from this machine's files. */
    public static String detectCpuModel() {
        return cpuModel(read(Path.of("/proc/cpuinfo")), read(Path.of("/proc/device-tree/model")), System.getProperty("os.arch"));
    }

    static String cpuModel(String cpuinfo, String deviceTreeModel, String arch) {
        String model = field(cpuinfo, "model name");
        if (model == null) model = field(cpuinfo, "Model");
        if (model == null && deviceTreeModel != null && !deviceTreeModel.replace("\0", "").isBlank()) {
            model = deviceTreeModel.replace("\0", "").strip();
        }
        String part = field(cpuinfo, "CPU part");
        if (part != null) model = (model == null ? "" : model + ", ") + "CPU part " + part + armCoreName(part);
        return model == null ? arch : model;
    }

    /** Arm core names for the parts found on common boards (Raspberry Pi 3/4/5, Jetson and the like). */
    static String armCoreName(String part) {
        return switch (part.strip().toLowerCase(Locale.ROOT)) {
            case "0xd03" -> " (Cortex-A53)";
            case "0xd04" -> " (Cortex-A35)";
            case "0xd05" -> " (Cortex-A55)";
            case "0xd07" -> " (Cortex-A57)";
            case "0xd08" -> " (Cortex-A72)";
            case "0xd09" -> " (Cortex-A73)";
            case "0xd0a" -> " (Cortex-A75)";
            case "0xd0b" -> " (Cortex-A76)";
            case "0xd0c" -> " (Neoverse-N1)";
            case "0xd40" -> " (Neoverse-V1)";
            case "0xd42" -> " (Cortex-A78AE)";
            case "0xd49" -> " (Neoverse-N2)";
            default -> "";
        };
    }

    static String field(String cpuinfo, String key) {
        if (cpuinfo == null) return null;
        for (String line : cpuinfo.split("\n")) {
            int colon = line.indexOf(':');
            if (colon > 0 && line.substring(0, colon).strip().equals(key) && !line.substring(colon + 1).isBlank()) {
                return line.substring(colon + 1).strip();
            }
        }
        return null;
    }

    private static String read(Path p) {
        try {
            return Files.isReadable(p) ? new String(Files.readAllBytes(p), StandardCharsets.UTF_8) : null;
        } catch (IOException | RuntimeException e) {
            return null;
        }
    }
}
