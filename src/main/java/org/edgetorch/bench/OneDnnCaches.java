package org.edgetorch.bench;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.List;
import java.util.Locale;
import java.util.stream.Stream;

/**
 * Whether LibTorch 2.10's oneDNN would divide by zero on this CPU, checked from Java because a native SIGFPE cannot be
 * caught.
 *
 * <p>Found by disassembling the presets' libtorch_cpu.so (2.10.0-1.5.13), so valid for that build: on an
 * {@code AuthenticAMD} CPU, oneDNN's CPU detection (its bundled Xbyak) takes the L1 data, L2 and L3 sizes from CPUID
 * leaf 0x8000001D, subleaves 0, 2 and 3, without checking that they describe a cache. Where the leaf is empty (as on
 * the Firecracker VM this was found on, which still sets the {@code topoext} flag) every cache is
 * (0+1)·(0+1)·(0+1)·(0+1) = 1 byte. The f32 sum primitive ({@code simple_sum}, which runs {@code aten::add} on the
 * MKLDNN tensors of a module after {@code optimize_for_inference}: MobileNet-V2's residual adds) cuts its work into
 * blocks of L1/8 elements, here 0, and divides by that: SIGFPE. On Intel CPUs it reads leaf 4 and stops at the first
 * empty entry; no cache described then means oneDNN's own defaults (32 KiB L1), and other vendors always get those.
 */
public final class OneDnnCaches {
    /** Where Linux lists the CPU's caches; on AMD with {@code topoext} it reads them from the same CPUID leaf. */
    static final Path SYS_CACHES = Path.of("/sys/devices/system/cpu/cpu0/cache");
    /** Linux's raw CPUID device (the {@code cpuid} driver; usually root only): file position = leaf | subleaf << 32. */
    static final Path CPUID_DEVICE = Path.of("/dev/cpu/0/cpuid");
    static final long AMD_CACHE_LEAF = 0x8000001DL;

    private OneDnnCaches() {
    }

    /**
     * What the check needs to know about the CPU.
     *
     * @param vendor          CPUID vendor string ({@code vendor_id} in /proc/cpuinfo), or null where unknown
     * @param topoext         whether the CPU declares leaf 0x8000001D ({@code topoext} in the flags)
     * @param amdCacheLeaf    EAX, EBX, ECX, EDX of leaf 0x8000001D subleaf 0 as the CPU returns it, or null when
     *                        {@link #CPUID_DEVICE} cannot be read
     * @param linuxListsCaches whether {@link #SYS_CACHES} has any cache ({@code index*})
     */
    public record Facts(String vendor, boolean topoext, long[] amdCacheLeaf, boolean linuxListsCaches) {
    }

    /** Why oneDNN would abort the process on this machine, or null. */
    public static String problem() {
        String os = System.getProperty("os.name"), arch = System.getProperty("os.arch");
        if (!os.startsWith("Linux") || !(arch.equals("amd64") || arch.equals("x86_64"))) return null;
        return problem(read());
    }

    static String problem(Facts f) {
        if (!"AuthenticAMD".equals(f.vendor())) return null;
        String why;
        if (f.amdCacheLeaf() != null) {
            if (l1BytesPerSharer(f.amdCacheLeaf()) >= 8) return null;
            why = "this AMD CPU's CPUID leaf 0x8000001D describes no L1 data cache (read from " + CPUID_DEVICE + ")";
        } else if (f.topoext()) {
            if (f.linuxListsCaches()) return null;
            why = "this AMD CPU's CPUID leaf 0x8000001D describes no caches (Linux, which reads the same leaf, lists none under "
                    + SYS_CACHES + "), as on some virtual machines";
        } else {
            why = "this AMD CPU does not declare CPUID leaf 0x8000001D (no topoext flag) and " + CPUID_DEVICE
                    + " is not readable, so edgetorch cannot see the cache description oneDNN will read";
        }
        return why + "; where that leaf describes no cache, LibTorch 2.10's oneDNN takes every cache to be 1 byte and its sum "
                + "primitive (the optimized module's residual adds) divides by zero, which aborts the process (SIGFPE)";
    }

    /**
     * The L1 data cache per sharing thread as oneDNN computes it from leaf 0x8000001D subleaf 0: ways × partitions ×
     * line size × sets, over the threads sharing it (oneDNN divides by at most that many; its sum primitive needs 8).
     * The field widths are the ones this build extracts (one bit narrower than AMD's manual for all but the sets).
     */
    static long l1BytesPerSharer(long[] r) {
        long eax = r[0] & 0xffffffffL, ebx = r[1] & 0xffffffffL, ecx = r[2] & 0xffffffffL;
        long bytes = (((ebx >>> 22) & 0x1ff) + 1) * (((ebx >>> 12) & 0x1ff) + 1) * ((ebx & 0x7ff) + 1) * (ecx + 1);
        long sharing = ((eax >>> 14) & 0x7ff) + 1;
        return bytes / sharing;
    }

    static Facts read() {
        String vendor = null;
        boolean topoext = false;
        try {
            for (String line : Files.readAllLines(Path.of("/proc/cpuinfo"))) {
                int colon = line.indexOf(':');
                if (colon < 0) continue;
                String key = line.substring(0, colon).trim(), value = line.substring(colon + 1).trim();
                if (key.equals("vendor_id") && vendor == null) vendor = value;
                if (key.equals("flags")) {
                    topoext = List.of(value.toLowerCase(Locale.ROOT).split("\\s+")).contains("topoext");
                    break;
                }
            }
        } catch (IOException | RuntimeException e) {
            // unknown vendor: not judged (only AMD's detection is known to fail)
        }
        return new Facts(vendor, topoext, readCpuid(AMD_CACHE_LEAF, 0), linuxListsCaches());
    }

    private static boolean linuxListsCaches() {
        if (!Files.isDirectory(SYS_CACHES)) return false;
        try (Stream<Path> s = Files.list(SYS_CACHES)) {
            return s.anyMatch(p -> p.getFileName().toString().startsWith("index"));
        } catch (IOException e) {
            return false;
        }
    }

    /** One CPUID leaf through Linux's cpuid device, or null where it is absent or not readable (not root). */
    static long[] readCpuid(long leaf, int subleaf) {
        if (!Files.isReadable(CPUID_DEVICE)) return null;
        try (FileChannel ch = FileChannel.open(CPUID_DEVICE, StandardOpenOption.READ)) {
            ByteBuffer b = ByteBuffer.allocate(16).order(ByteOrder.LITTLE_ENDIAN);
            if (ch.read(b, leaf | ((long) subleaf << 32)) != 16) return null;
            b.flip();
            return new long[]{b.getInt() & 0xffffffffL, b.getInt() & 0xffffffffL, b.getInt() & 0xffffffffL, b.getInt() & 0xffffffffL};
        } catch (IOException | RuntimeException e) {
            return null;
        }
    }
}
