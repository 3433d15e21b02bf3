package org.edgetorch.backend.bridge;

import org.edgetorch.backend.Backends;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;
import java.util.Optional;

/**
 * The bridge compiled against the system's LibTorch (Debian's libtorch-dev: /usr/include/torch, LibTorch
 * 1.13 on bookworm) for tests, cached under target/ by a hash of its sources. Empty where there is none:
 * tests that need it are skipped by an assumption.
 */
final class SystemBridge {
    static final Path LIBTORCH = Path.of("/usr");
    private static Optional<Path> built;

    private SystemBridge() {
    }

    static synchronized Optional<Path> library() {
        if (built != null) return built;
        built = Optional.empty();
        if (!Backends.platform().equals("linux-x86_64") && !Backends.platform().equals("linux-arm64")) return built;
        if (!Files.isRegularFile(LIBTORCH.resolve("include/torch/script.h"))) return built;
        try {
            BridgeBuilder.locate(LIBTORCH);
        } catch (RuntimeException e) {
            return built;
        }
        try {
            Path dir = Path.of("target", "bridge-test", sourceHash());
            Path lib = dir.resolve(BridgeLibrary.FILE_NAME);
            if (!Files.isRegularFile(lib)) {
                ByteArrayOutputStream log = new ByteArrayOutputStream();
                try (PrintStream ps = new PrintStream(log, true)) {
                    BridgeBuilder.build(LIBTORCH, dir, null, ps);
                } catch (RuntimeException e) {
                    throw new IllegalStateException("building the bridge against " + LIBTORCH + " failed: " + e.getMessage() + "\n" + log, e);
                }
            }
            built = Optional.of(lib.toAbsolutePath());
        } catch (IOException | NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
        return built;
    }

    private static String sourceHash() throws IOException, NoSuchAlgorithmException {
        MessageDigest d = MessageDigest.getInstance("SHA-256");
        for (String r : new String[]{"src/edgetorch_bridge.h", "src/edgetorch_bridge.cpp", "src/edgetorch_clock.h", "src/edgetorch_bridge_env.h", "BridgeEnvironment.class", "BridgeNative.class", "BridgeNative$Model.class"}) {
            try (InputStream in = BridgeNative.class.getResourceAsStream(r)) {
                if (in == null) throw new IOException("missing resource " + r);
                d.update(in.readAllBytes());
            }
        }
        return HexFormat.of().formatHex(d.digest()).substring(0, 16);
    }
}
