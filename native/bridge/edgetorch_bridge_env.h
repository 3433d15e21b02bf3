// edgetorch_bridge_env.h: what the process environment must say before the bridge loads LibTorch.
//
// Compiled into its own small JNI library (org.edgetorch.backend.bridge.BridgeEnvironment) that does not
// link LibTorch, so it can run before LibTorch and its dependencies are loaded.
//
// Debian trixie's LibTorch 2.6 links Open MPI, which loads UCX; UCX's library constructor installs handlers
// for SIGSEGV, SIGBUS, SIGILL and SIGFPE (to print a backtrace and abort). The JVM raises SIGSEGV on purpose
// (safepoint polls, implicit null checks) and handles it itself; with UCX's handler in the way, the first
// such signal after LibTorch is loaded kills the JVM. UCX_HANDLE_ERRORS=none keeps UCX's handlers out.
// A value the user set is left alone.
#ifndef EDGETORCH_BRIDGE_ENV_H
#define EDGETORCH_BRIDGE_ENV_H

#include <stdlib.h>

namespace edgetorch {
namespace bridge {

// Returns 0 on success (or when there was nothing to do), -1 when setenv failed.
inline int prepare_environment() {
#if defined(_WIN32)
    return 0;
#else
    if (getenv("UCX_HANDLE_ERRORS") == NULL && setenv("UCX_HANDLE_ERRORS", "none", 0) != 0) return -1;
    return 0;
#endif
}

// The value in effect, for `info`.
inline const char* environment_value(const char* name) {
    const char* v = getenv(name);
    return v == NULL ? "" : v;
}

}  // namespace bridge
}  // namespace edgetorch

#endif  // EDGETORCH_BRIDGE_ENV_H
