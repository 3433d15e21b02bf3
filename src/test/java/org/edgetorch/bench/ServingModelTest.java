package org.edgetorch.bench;

import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** When the serving variant is refused before any native call (oneDNN's SIGFPE cannot be caught). */
class ServingModelTest {
    /** Leaf 0x8000001D subleaf 0 of a Zen 4 core: 48 KiB 12-way L1 data cache, 64-byte lines, 64 sets, 2 threads. */
    static final long[] ZEN_L1D = {0x00004121L, 0x02c0003fL, 0x0000003fL, 0};
    /** The same leaf on the Firecracker VM the abort was found on. */
    static final long[] EMPTY = {0, 0, 0, 0};

    @Test
    void oneDnnSizesTheL1CacheAsThisBuildDoes() {
        assertEquals(48 * 1024 / 2, OneDnnCaches.l1BytesPerSharer(ZEN_L1D));
        assertEquals(1, OneDnnCaches.l1BytesPerSharer(EMPTY), "(0+1)^4 bytes: the sum primitive's block is 1/8 of it, 0");
    }

    @Test
    void refusedOnlyWhereTheAmdCacheLeafIsEmpty() {
        // read from the cpuid device: decisive either way
        assertNull(OneDnnCaches.problem(new OneDnnCaches.Facts("AuthenticAMD", true, ZEN_L1D, false)));
        String exact = OneDnnCaches.problem(new OneDnnCaches.Facts("AuthenticAMD", true, EMPTY, true));
        assertNotNull(exact);
        assertTrue(exact.contains("leaf 0x8000001D describes no L1 data cache (read from /dev/cpu/0/cpuid)"), exact);
        assertTrue(exact.endsWith("divides by zero, which aborts the process (SIGFPE)"), exact);
        // not readable (not root): Linux lists caches from the same leaf when the CPU declares it
        assertNull(OneDnnCaches.problem(new OneDnnCaches.Facts("AuthenticAMD", true, null, true)));
        String vm = OneDnnCaches.problem(new OneDnnCaches.Facts("AuthenticAMD", true, null, false));
        assertNotNull(vm);
        assertTrue(vm.contains("lists none under /sys/devices/system/cpu/cpu0/cache"), vm);
        // leaf not declared and not readable: cannot be checked, so not risked
        assertTrue(OneDnnCaches.problem(new OneDnnCaches.Facts("AuthenticAMD", false, null, true)).contains("no topoext flag"));
        // Intel's detection (leaf 4) stops at an empty entry and oneDNN falls back to its own sizes; others always do
        assertNull(OneDnnCaches.problem(new OneDnnCaches.Facts("GenuineIntel", false, null, false)));
        assertNull(OneDnnCaches.problem(new OneDnnCaches.Facts("HygonGenuine", true, EMPTY, false)));
        assertNull(OneDnnCaches.problem(new OneDnnCaches.Facts(null, false, null, false)), "vendor unknown: not judged");
    }

    @Test
    void thisMachineIsJudgedFromWhatItReports() {
        OneDnnCaches.Facts f = OneDnnCaches.read();
        String reason = ServingModel.unsupportedReason();
        if (reason != null) {
            assertEquals("AuthenticAMD", f.vendor(), reason);
            assertTrue(reason.endsWith(": the serving variant is not run here"), reason);
        }
        if (f.amdCacheLeaf() != null && f.topoext()) {
            // Linux built its cache list from the same leaf: both views agree
            assertEquals(f.linuxListsCaches(), OneDnnCaches.l1BytesPerSharer(f.amdCacheLeaf()) >= 8, f.toString());
        }
    }
}
