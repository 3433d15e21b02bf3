package org.edgetorch.backend.bridge;

import org.edgetorch.backend.Backend;
import org.edgetorch.backend.Backends;
import org.edgetorch.backend.ModelFiles;
import org.edgetorch.runtime.Model;
import org.edgetorch.util.UserError;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * The system's own LibTorch (Debian's libtorch2.6 on Raspberry Pi OS, a pip torch, a LibTorch zip) through
 * the bridge in {@code native/bridge}: the backend on linux-arm64, where Bytedeco publishes no PyTorch
 * natives, and wherever {@code --backend bridge} asks for it.
 */
public final class BridgeBackend implements Backend {

    public BridgeBackend() {
        BridgeLibrary.load();
    }

    @Override
    public String name() {
        return "bridge";
    }

    @Override
    public String libtorchVersion() {
        return BridgeNative.libtorch_version();
    }

    @Override
    public List<String> quantizedEngines() {
        return splitEngines(BridgeNative.quantized_engines());
    }

    static List<String> splitEngines(String csv) {
        List<String> out = new ArrayList<>();
        for (String e : csv.split(",")) {
            if (!e.isBlank()) out.add(e.strip().toLowerCase(Locale.ROOT));
        }
        return out;
    }

    @Override
    public boolean xnnpackAvailable() {
        return BridgeNative.xnnpack_available();
    }

    @Override
    public int threads() {
        return BridgeNative.num_threads();
    }

    @Override
    public void setThreads(int threads) {
        if (threads < 1) throw new UserError("--threads must be at least 1, got " + threads);
        String err = BridgeNative.set_num_threads(threads);
        if (!err.isEmpty()) throw new UserError("cannot set threads: " + err);
    }

    @Override
    public void setQuantizedEngine(String engine) {
        String want = engine.toLowerCase(Locale.ROOT);
        List<String> have = quantizedEngines();
        if (!have.contains(want)) throw new UserError(missingEngineMessage(want, have, Backends.platform(), libtorchVersion()));
        String err = BridgeNative.set_quantized_engine(want);
        if (!err.isEmpty()) throw new UserError("cannot select quantized engine '" + engine + "': " + err);
    }

    public String currentQuantizedEngine() {
        return BridgeNative.quantized_engine();
    }

    /** What to tell a user who asks for an engine the LibTorch in use lacks: which one has it. */
    public static String missingEngineMessage(String want, List<String> have, String platform, String version) {
        String base = "quantized engine '" + want + "' is not in this LibTorch (" + version + ", " + platform
                + "); it has: " + (have.isEmpty() ? "none" : String.join(", ", have));
        boolean arm = platform.endsWith("arm64") || platform.endsWith("armhf") || platform.endsWith("arm");
        return switch (want) {
            case "fbgemm", "x86" -> base + ". FBGEMM and X86 are x86-64 engines; "
                    + (arm ? "on ARM use qnnpack (official LibTorch / pip torch) or onednn"
                    : "use a LibTorch built with FBGEMM (the Bytedeco backend has it: --backend bytedeco)");
            case "qnnpack" -> base + ". Debian's LibTorch is built without QNNPACK on ARM; for it, install an official "
                    + "LibTorch zip or a pip torch (pip install torch) and run: edgetorch bridge build --libtorch DIR";
            case "onednn" -> base + ". ONEDNN needs a LibTorch built with oneDNN (Debian's libtorch has it)";
            default -> base + "; known engines: fbgemm, x86, qnnpack, onednn";
        };
    }

    @Override
    public Map<String, Object> details() {
        Map<String, Object> d = new LinkedHashMap<>();
        d.put("bridge_library", BridgeLibrary.loadedFrom());
        d.put("bridge_headers", BridgeNative.compiled_version());
        d.put("bridge_environment", BridgeLibrary.environment());
        d.put("quantized_engine", currentQuantizedEngine());
        d.put("max_bytecode", BridgeNative.max_bytecode_version());
        d.put("max_file_format", BridgeNative.max_file_format_version());
        return d;
    }

    @Override
    public Model load(Path file, org.edgetorch.runtime.InputLayout layout) {
        ModelFiles.Archive archive = ModelFiles.inspect(file);
        boolean lite = useLiteLoader(file, archive);
        BridgeNative.Model m = new BridgeNative.Model();
        if (!m.load(file.toAbsolutePath().toString(), lite)) {
            String err = m.error();
            m.close();
            throw new UserError(file + ": LibTorch " + libtorchVersion() + " could not load it"
                    + (lite ? " (lite interpreter)" : "") + ": " + ModelFiles.firstLine(err)
                    + ArchiveVersions.readableHint(file, lite, BridgeNative.max_bytecode_version(), BridgeNative.max_file_format_version()));
        }
        m.set_channels_last(layout == org.edgetorch.runtime.InputLayout.NHWC);
        return new BridgeScriptModel(m, file.toString());
    }

    /**
     * {@code .ptl} files go to the lite interpreter ({@code _load_for_mobile}), as on a phone; everything
     * else to {@code torch::jit::load}, which needs the full TorchScript code an archive of
     * {@code _save_for_mobile} may lack.
     */
    static boolean useLiteLoader(Path file, ModelFiles.Archive archive) {
        boolean ptl = file.getFileName().toString().toLowerCase(Locale.ROOT).endsWith(".ptl");
        if (ptl && archive.hasBytecode()) return true;
        return !(archive.hasData() && archive.hasCode());
    }
}
