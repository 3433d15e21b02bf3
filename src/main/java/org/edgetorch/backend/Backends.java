package org.edgetorch.backend;

import org.edgetorch.util.UserError;

import java.util.Locale;

/**
 * The one place that decides which LibTorch this process uses. Bytedeco's presets where they publish
 * natives; the bridge over a system LibTorch on linux-arm64 or when asked with {@code --backend bridge}.
 */
public final class Backends {
    private static Backend current;
    private static String requested = "auto";

    private Backends() {
    }

    /** Must be called before the first {@link #get()}; the CLI does it from {@code --backend}. */
    public static synchronized void request(String name) {
        String n = name == null ? "auto" : name.toLowerCase(Locale.ROOT);
        if (!n.equals("auto") && !n.equals("bytedeco") && !n.equals("bridge")) {
            throw new UserError("unknown backend '" + name + "'; use auto, bytedeco or bridge");
        }
        if (current != null && !n.equals("auto") && !current.name().equals(n)) {
            throw new UserError("backend " + current.name() + " is already loaded; one LibTorch per process");
        }
        requested = n;
    }

    public static synchronized Backend get() {
        if (current == null) current = create(requested);
        return current;
    }

    /** The platform as JavaCPP names it: linux-x86_64, linux-arm64, macosx-arm64, ... */
    public static String platform() {
        String os = System.getProperty("os.name", "").toLowerCase(Locale.ROOT);
        String arch = System.getProperty("os.arch", "").toLowerCase(Locale.ROOT);
        String o = os.startsWith("linux") ? "linux" : os.startsWith("mac") ? "macosx" : os.startsWith("windows") ? "windows" : os;
        String a = switch (arch) {
            case "amd64", "x86_64" -> "x86_64";
            case "aarch64", "arm64" -> "arm64";
            default -> arch;
        };
        return o + "-" + a;
    }

    /** Whether Bytedeco publishes PyTorch natives for this platform (it does not for linux-arm64). */
    public static boolean bytedecoHasNatives(String platform) {
        return switch (platform) {
            case "linux-x86_64", "macosx-x86_64", "macosx-arm64", "windows-x86_64" -> true;
            default -> false;
        };
    }

    private static Backend create(String name) {
        String platform = platform();
        String chosen = name.equals("auto") ? (bytedecoHasNatives(platform) ? "bytedeco" : "bridge") : name;
        if (chosen.equals("bytedeco")) {
            if (!bytedecoHasNatives(platform)) {
                throw new UserError("Bytedeco publishes no PyTorch natives for " + platform + "; use --backend bridge");
            }
            return new BytedecoBackend();
        }
        throw new UserError("the bridge backend is not built into this jar yet");
    }
}
