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
    /** Intra-op threads asked for before or after the backend loads; null keeps LibTorch's default. */
    private static Integer threads;

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
        if (current == null) {
            current = create(requested);
            if (threads != null) current.setThreads(threads);
        }
        return current;
    }

    /** Sets LibTorch's intra-op threads now if it is loaded, else when it loads (so this loads nothing). */
    public static synchronized void setThreads(int n) {
        threads = n;
        if (current != null) current.setThreads(n);
    }

    /** The loaded backend's name, or null where none is loaded yet (so a child process can ask for the same one). */
    public static synchronized String loadedName() {
        return current == null ? null : current.name();
    }

    /** The intra-op threads asked for, or null for LibTorch's default. */
    public static synchronized Integer requestedThreads() {
        return threads;
    }

    /**
     * Guards code that uses Bytedeco's classes directly (the Java models, the tracer): on the bridge backend
     * they would load a second LibTorch (x86) or find no natives (linux-arm64).
     */
    public static void requireBytedeco(String what) {
        Backend b = get();
        if (!b.name().equals("bytedeco")) {
            throw new UserError(what + " needs the Bytedeco backend (LibTorch 2.10 presets), but this process runs on the "
                    + b.name() + " backend (LibTorch " + b.libtorchVersion() + ", " + platform() + "); "
                    + "pass a TorchScript file made on x86 instead (--model FILE.pt / .ptl, from `edgetorch export`)");
        }
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

    /**
     * Which backend a request means on a platform: {@code auto} is Bytedeco where it publishes natives,
     * the bridge elsewhere (linux-arm64). Pure, for tests; throws when Bytedeco is asked for where it has none.
     */
    public static String choose(String requested, String platform) {
        String n = requested == null ? "auto" : requested.toLowerCase(Locale.ROOT);
        String chosen = n.equals("auto") ? (bytedecoHasNatives(platform) ? "bytedeco" : "bridge") : n;
        if (chosen.equals("bytedeco") && !bytedecoHasNatives(platform)) {
            throw new UserError("Bytedeco publishes no PyTorch natives for " + platform
                    + "; use --backend bridge (the system's LibTorch through edgetorch's bridge)");
        }
        return chosen;
    }

    private static Backend create(String name) {
        return switch (choose(name, platform())) {
            case "bytedeco" -> new BytedecoBackend();
            case "bridge" -> new org.edgetorch.backend.bridge.BridgeBackend();
            default -> throw new UserError("unknown backend '" + name + "'");
        };
    }
}
