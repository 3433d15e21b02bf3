package org.edgetorch.backend;

import org.bytedeco.javacpp.Loader;
import org.edgetorch.util.UserError;

import java.io.IOException;

/**
 * Extracts all of the presets' PyTorch natives into JavaCPP's cache before the first of them is
 * loaded. JavaCPP extracts libraries one by one as it loads them, so on a first start libtorch.so is
 * loaded while libtorch_cpu.so is not yet beside it, and the dynamic linker takes the system's
 * libtorch_cpu.so instead when one is installed (Debian's libtorch-dev, python3-torch): two LibTorch
 * builds in one process, which crashes. With every file already in place, $ORIGIN resolves first.
 */
final class BytedecoNatives {
    private static boolean done;

    private BytedecoNatives() {
    }

    static synchronized void ensureExtracted() {
        if (done) return;
        String dir = "/org/bytedeco/pytorch/" + Loader.getPlatform() + "/";
        try {
            Loader.cacheResources(dir);
        } catch (IOException e) {
            throw new UserError("cannot extract LibTorch natives into JavaCPP's cache: " + e.getMessage(), e);
        }
        done = true;
    }
}
