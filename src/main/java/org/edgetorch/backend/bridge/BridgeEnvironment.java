package org.edgetorch.backend.bridge;

import org.bytedeco.javacpp.annotation.Cast;
import org.bytedeco.javacpp.annotation.Namespace;
import org.bytedeco.javacpp.annotation.Platform;

/**
 * JNI mapping of {@code native/bridge/edgetorch_bridge_env.h}: a small library of its own
 * ({@code libjniBridgeEnvironment.so}, no LibTorch dependency) that sets what the process environment must
 * say before LibTorch loads (UCX_HANDLE_ERRORS=none: UCX, loaded with Debian's LibTorch 2.6 through Open MPI,
 * would otherwise turn the JVM's own SIGSEGVs into crashes). {@link BridgeLibrary} loads it first.
 */
@Platform(include = "edgetorch_bridge_env.h", library = "jniBridgeEnvironment")
@Namespace("edgetorch::bridge")
public final class BridgeEnvironment {
    private BridgeEnvironment() {
    }

    public static native int prepare_environment();

    public static native @Cast("const char*") String environment_value(@Cast("const char*") String name);
}
