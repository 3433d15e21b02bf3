package org.edgetorch.backend.bridge;

import org.bytedeco.javacpp.Loader;
import org.edgetorch.backend.Backends;
import org.edgetorch.util.UserError;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Finds and loads the bridge's JNI library, in this order:
 * <ol>
 *   <li>{@code -Dedgetorch.bridge.library=FILE} or {@code EDGETORCH_BRIDGE_LIBRARY=FILE};</li>
 *   <li>the one {@code edgetorch bridge build} wrote: {@code ~/.edgetorch/bridge/<platform>/};</li>
 *   <li>the one built into the jar ({@code org/edgetorch/backend/bridge/<platform>/}), through JavaCPP's loader.</li>
 * </ol>
 * A failure becomes a {@link UserError} that says what to install or build.
 */
public final class BridgeLibrary {
    public static final String PROPERTY = "edgetorch.bridge.library";
    public static final String ENV = "EDGETORCH_BRIDGE_LIBRARY";
    /** The library JavaCPP builds from {@link BridgeNative}. */
    public static final String FILE_NAME = System.mapLibraryName("jniBridgeNative");

    private static String loadedFrom;
    private static UserError failure;
    private static boolean loading;

    private BridgeLibrary() {
    }

    /** Where {@code edgetorch bridge build} puts the library by default. */
    public static Path userDirectory() {
        return Path.of(System.getProperty("user.home"), ".edgetorch", "bridge", Backends.platform());
    }

    /** The library file that will be loaded instead of the jar's, or null when the jar's is used. */
    public static Path override() {
        String p = System.getProperty(PROPERTY);
        if (p == null || p.isBlank()) p = System.getenv(ENV);
        if (p != null && !p.isBlank()) return Path.of(p);
        Path user = userDirectory().resolve(FILE_NAME);
        return Files.isRegularFile(user) ? user : null;
    }

    /** Loads the library once; throws the same {@link UserError} on every call after a failure. */
    public static synchronized void load() {
        if (loadedFrom != null || loading) return; // loading: re-entered from BridgeNative's static initializer
        if (failure != null) throw failure;
        Path file = override();
        loading = true;
        try {
            prepareEnvironment(file);
            if (file != null) {
                if (!Files.isRegularFile(file)) {
                    throw new UserError("bridge library " + file + " does not exist (from -D" + PROPERTY + ", "
                            + ENV + " or " + userDirectory() + ")");
                }
                // JavaCPP's own JNI library (Pointer and friends) first; ours refers to it.
                Loader.load(Loader.class);
                System.load(file.toAbsolutePath().toString());
                loadedFrom = file.toAbsolutePath().toString();
            } else {
                String path = Loader.load(BridgeNative.class);
                loadedFrom = path == null ? "jar" : path;
            }
        } catch (UserError e) {
            failure = e;
            throw e;
        } catch (LinkageError | RuntimeException e) {
            failure = new UserError(explain(messages(e), file), e);
            throw failure;
        } finally {
            loading = false;
        }
    }

    /** Every message along the cause chain: JavaCPP wraps the dynamic linker's message in its own. */
    static String messages(Throwable e) {
        StringBuilder s = new StringBuilder();
        for (Throwable t = e; t != null && s.length() < 4000; t = t.getCause()) {
            if (t.getMessage() != null) s.append(t.getMessage()).append('\n');
        }
        return s.toString();
    }

    /** The environment library's file name (beside the bridge's when built by {@code bridge build}). */
    public static final String ENVIRONMENT_FILE_NAME = System.mapLibraryName("jniBridgeEnvironment");
    private static String environment = "not prepared";

    /**
     * Loads {@link BridgeEnvironment} (no LibTorch dependency) and sets the environment LibTorch's
     * dependencies read when they load (UCX_HANDLE_ERRORS=none). Best effort: a bridge built without it
     * still loads, and {@code info} says the environment was not prepared.
     */
    private static void prepareEnvironment(Path bridgeFile) {
        try {
            Path env = bridgeFile == null ? null : bridgeFile.toAbsolutePath().resolveSibling(ENVIRONMENT_FILE_NAME);
            if (env != null && Files.isRegularFile(env)) {
                Loader.load(Loader.class);
                System.load(env.toString());
            } else {
                Loader.load(BridgeEnvironment.class);
            }
            environment = BridgeEnvironment.prepare_environment() == 0
                    ? "UCX_HANDLE_ERRORS=" + BridgeEnvironment.environment_value("UCX_HANDLE_ERRORS")
                    : "setenv failed";
        } catch (UnsatisfiedLinkError | RuntimeException e) {
            environment = "not prepared (no " + ENVIRONMENT_FILE_NAME + ")";
        }
    }

    /** What {@link #prepareEnvironment} did, for {@code info}. */
    public static synchronized String environment() {
        return environment;
    }

    /** Where the loaded library came from (a path), or null before {@link #load()}. */
    public static synchronized String loadedFrom() {
        return loadedFrom;
    }

    private static final Pattern MISSING_LIB = Pattern.compile("(lib(?:torch|torch_cpu|c10)\\.so(?:\\.[0-9.]+)?)");

    /** Turns dynamic linker messages (the whole cause chain) into what the user should do. */
    static String explain(String messages, Path file) {
        String msg = messages == null ? "unknown error" : messages.strip();
        String platform = Backends.platform();
        String where = file != null ? file.toString() : "built into the jar";
        Matcher m = MISSING_LIB.matcher(msg);
        if (msg.contains("cannot open shared object file") && m.find()) {
            String lib = m.group(1);
            String hint = lib.matches(".*\\.so\\.[0-9]+\\.[0-9]+.*")
                    ? " (Debian / Raspberry Pi OS: sudo apt install libtorch" + lib.replaceAll(".*\\.so\\.([0-9]+\\.[0-9]+).*", "$1") + ")"
                    : "";
            return "the bridge (" + where + ") needs " + lib + ", which is not installed" + hint
                    + "; or build the bridge for the LibTorch you have: edgetorch bridge build --libtorch DIR";
        }
        for (String line : msg.split("\n")) {
            if (line.contains("cannot open shared object file")) {
                return "the bridge (" + where + ") cannot load a library LibTorch needs: " + line.strip();
            }
            if (line.contains("undefined symbol")) {
                return "the bridge (" + where + ") does not match the installed LibTorch (" + line.strip()
                        + "); rebuild it: edgetorch bridge build --libtorch DIR";
            }
        }
        if (file == null && msg.contains("jniBridgeNative")) {
            return "this jar has no bridge for " + platform + "; build one against a LibTorch with headers: "
                    + "edgetorch bridge build --libtorch DIR (e.g. DIR=/usr with Debian's libtorch-dev)";
        }
        return "cannot load the bridge (" + where + "): " + firstLine(msg);
    }

    private static String firstLine(String s) {
        int nl = s.indexOf('\n');
        return nl < 0 ? s : s.substring(0, nl);
    }
}
