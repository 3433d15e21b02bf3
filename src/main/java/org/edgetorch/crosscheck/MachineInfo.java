package org.edgetorch.crosscheck;

import org.edgetorch.backend.Backend;
import org.edgetorch.backend.Backends;
import org.edgetorch.backend.BytedecoBackend;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;

/** The machine a {@code --save-io} file was written on, as far as the process can tell. */
public final class MachineInfo {
    /** Set by bench/arm64-e2e.sh (e.g. {@code qemu-aarch64}): latency under emulation means nothing. */
    public static final String EMULATION_ENV = "EDGETORCH_EMULATION";

    private MachineInfo() {
    }

    public static Map<String, Object> collect(Backend b) {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("platform", Backends.platform());
        m.put("os", System.getProperty("os.name") + " " + System.getProperty("os.version"));
        m.put("java", System.getProperty("java.vm.name") + " " + System.getProperty("java.version"));
        m.put("cpu", cpuModel());
        m.put("cpus", Runtime.getRuntime().availableProcessors());
        String emulation = System.getenv(EMULATION_ENV);
        if (emulation != null && !emulation.isBlank()) m.put("emulation", emulation);
        m.put("backend", b.name());
        m.put("libtorch", b.libtorchVersion());
        m.put("quantized_engines", b.quantizedEngines());
        Object engine = b.details().get("quantized_engine");
        if (engine == null && b instanceof BytedecoBackend bb) engine = bb.currentQuantizedEngine();
        m.put("quantized_engine", engine);
        m.put("xnnpack", b.xnnpackAvailable());
        m.put("threads", b.threads());
        // What an older LibTorch reads (the bridge knows; the presets do not say).
        if (b.details().get("max_bytecode") != null) m.put("max_bytecode", b.details().get("max_bytecode"));
        if (b.details().get("max_file_format") != null) m.put("max_file_format", b.details().get("max_file_format"));
        return m;
    }

    /** x86: "model name"; Raspberry Pi: "Model" or the device tree's model; other ARM: implementer/part. */
    static String cpuModel() {
        String cpuinfo = read(Path.of("/proc/cpuinfo"));
        String model = field(cpuinfo, "model name");
        if (model == null) model = field(cpuinfo, "Model");
        if (model == null) {
            String dt = read(Path.of("/proc/device-tree/model"));
            if (dt != null && !dt.isBlank()) model = dt.replace("\0", "").strip();
        }
        String part = field(cpuinfo, "CPU part");
        if (part != null) model = (model == null ? "" : model + ", ") + "CPU part " + part + armCoreName(part);
        return model == null ? System.getProperty("os.arch") : model;
    }

    /** Arm core names for the parts found on common boards (Raspberry Pi 3/4/5 and the like). */
    static String armCoreName(String part) {
        return switch (part.strip().toLowerCase()) {
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
            case "0xd49" -> " (Neoverse-N2)";
            default -> "";
        };
    }

    static String field(String cpuinfo, String key) {
        if (cpuinfo == null) return null;
        for (String line : cpuinfo.split("\n")) {
            int colon = line.indexOf(':');
            if (colon > 0 && line.substring(0, colon).strip().equals(key)) return line.substring(colon + 1).strip();
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
