package org.edgetorch.bench;

import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;

/** When the serving variant is refused before any native call (a native abort cannot be caught). */
class ServingModelTest {
    @Test
    void x86LinuxWithoutCacheInformationIsRefused() {
        assertNotNull(ServingModel.unsupportedReason("Linux", "amd64", false));
        assertNull(ServingModel.unsupportedReason("Linux", "amd64", true));
        assertNull(ServingModel.unsupportedReason("Linux", "aarch64", false), "oneDNN's x86 kernels only");
        assertNull(ServingModel.unsupportedReason("Mac OS X", "x86_64", false), "no sysfs there: not judged");
    }
}
