package org.edgetorch.backend;

import org.edgetorch.util.ChildJvm;
import org.edgetorch.util.UserError;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Set;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.stream.Collectors;
import java.util.stream.Stream;

import static org.junit.jupiter.api.Assertions.assertDoesNotThrow;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The oneDNN guard's decisions, with the CPU condition forced, and its child mechanism with a child that crashes. */
class OneDnnGuardTest {
    static final String PROBLEM = "this AMD CPU's CPUID leaf 0x8000001D describes no caches";

    @BeforeEach
    void force() {
        OneDnnGuard.reset();
        OneDnnGuard.problemSource = () -> PROBLEM;
        OneDnnGuard.childMain = GuardChild.class.getName();
    }

    @AfterEach
    void restore() {
        OneDnnGuard.reset();
        OneDnnGuard.problemSource = org.edgetorch.bench.OneDnnCaches::problem;
        OneDnnGuard.childMain = ChildJvm.MAIN;
    }

    @Test
    void onlyOneDnnEnginesOnAnAffectedCpuAreGuarded() {
        assertTrue(OneDnnGuard.applies("onednn"));
        assertTrue(OneDnnGuard.applies("X86"));
        assertFalse(OneDnnGuard.applies("fbgemm"));
        assertFalse(OneDnnGuard.applies("qnnpack"));
        assertFalse(OneDnnGuard.applies(null));
        OneDnnGuard.reset();
        OneDnnGuard.problemSource = () -> null;
        assertFalse(OneDnnGuard.applies("onednn"));
    }

    @Test
    void aNormalMachinePaysNothing() {
        OneDnnGuard.problemSource = () -> null;
        AtomicInteger plans = new AtomicInteger();
        OneDnnGuard.checkPacking(Path.of("m.pt"), "onednn", () -> {
            plans.incrementAndGet();
            return "fpe";
        });
        OneDnnGuard.checkLoading(Path.of("fpe.pt"), "x86");
        assertEquals(0, plans.get(), "no plan built, no child started");
    }

    @Test
    void otherEnginesAreNotGuarded() {
        AtomicInteger plans = new AtomicInteger();
        OneDnnGuard.checkPacking(Path.of("m.pt"), "fbgemm", () -> {
            plans.incrementAndGet();
            return "fpe";
        });
        OneDnnGuard.checkLoading(Path.of("fpe.pt"), "qnnpack");
        assertEquals(0, plans.get());
    }

    @Test
    void onlyASignalRefuses() {
        assertNull(OneDnnGuard.refusal(exit(0, List.of()), "while packing", PROBLEM, "use fbgemm"));
        assertNull(OneDnnGuard.refusal(exit(1, List.of()), "while packing", PROBLEM, "use fbgemm"), "a Java error: the caller meets it itself");
        String r = OneDnnGuard.refusal(exit(136, List.of()), "while packing resnet50.pt's weights for the onednn engine", PROBLEM,
                "use --engine fbgemm or qnnpack");
        assertEquals("LibTorch's oneDNN aborted (SIGFPE) while packing resnet50.pt's weights for the onednn engine: " + PROBLEM
                + "; use --engine fbgemm or qnnpack", r);
        assertTrue(OneDnnGuard.refusal(exit(139, List.of()), "x", PROBLEM, "y").contains("(SIGSEGV)"));
    }

    @Test
    void theCrashReportNamesTheSignalAndTheFrame() {
        // with core files off, a JVM that crashed in native code writes its report and exits with 1
        List<String> report = List.of("#", "# A fatal error has been detected by the Java Runtime Environment:", "#",
                "#  SIGFPE (0x8) at pc=0x00007f2a1c3b6d1e, pid=4242, tid=4243", "#",
                "# Problematic frame:",
                "# C  [libtorch_cpu.so+0x7b6d1e]  dnnl::impl::cpu::x64::brg_blocking_t::est_eff_1x1()+0x2be");
        String r = OneDnnGuard.refusal(exit(1, report), "while packing m.pt's weights for the x86 engine", PROBLEM, "advice");
        assertTrue(r.startsWith("LibTorch's oneDNN aborted (SIGFPE in dnnl::impl::cpu::x64::brg_blocking_t::est_eff_1x1) while packing"), r);
    }

    @Test
    void aChildKilledBySigfpeGivesOneLineAndLeavesNothing() throws IOException {
        Set<Path> before = leftovers();
        UserError e = assertThrows(UserError.class,
                () -> OneDnnGuard.checkPacking(Path.of("/models/resnet50.pt"), "onednn", () -> "fpe"));
        String m = e.getMessage();
        assertFalse(m.contains("\n"), m);
        assertTrue(m.startsWith("LibTorch's oneDNN aborted (SIGFPE"), m);
        assertTrue(m.contains("while packing resnet50.pt's weights for the onednn engine: " + PROBLEM), m);
        assertTrue(m.endsWith("; use --engine fbgemm or qnnpack"), m);
        assertEquals(before, leftovers(), "no temporary directory, crash report or core left behind");

        // remembered: the same plan is refused again without a child
        long t0 = System.nanoTime();
        UserError again = assertThrows(UserError.class,
                () -> OneDnnGuard.checkPacking(Path.of("/models/resnet50.pt"), "onednn", () -> "fpe"));
        assertEquals(m, again.getMessage());
        assertTrue(System.nanoTime() - t0 < 100_000_000L, "no second child");
    }

    @Test
    void loadingRefusesOnACrashAndGoesOnOtherwise(@TempDir Path tmp) throws IOException {
        Path fpe = Files.writeString(tmp.resolve("fpe.pt"), "x");
        UserError e = assertThrows(UserError.class, () -> OneDnnGuard.checkLoading(fpe, "x86"));
        assertTrue(e.getMessage().contains("while loading fpe.pt (loading packs its weights again for the x86 engine)"), e.getMessage());
        assertDoesNotThrow(() -> OneDnnGuard.checkLoading(Files.writeString(tmp.resolve("exit0.pt"), "x"), "x86"));
        assertDoesNotThrow(() -> OneDnnGuard.checkLoading(Files.writeString(tmp.resolve("exit1.pt"), "x"), "onednn"));
        // a file quantization has just packed loads without a child
        Path made = Files.writeString(tmp.resolve("fpe2.pt"), "x");
        OneDnnGuard.markLoadable(made, "onednn");
        assertDoesNotThrow(() -> OneDnnGuard.checkLoading(made, "onednn"));
    }

    private static ChildJvm.Exit exit(int code, List<String> report) {
        return new ChildJvm.Exit(code, List.of(), List.of(), report, 0);
    }

    /** Temporary child directories, and crash reports or cores in the working directory. */
    private static Set<Path> leftovers() throws IOException {
        try (Stream<Path> t = Files.list(Path.of(System.getProperty("java.io.tmpdir")));
             Stream<Path> w = Files.list(Path.of("").toAbsolutePath())) {
            return Stream.concat(t.filter(p -> p.getFileName().toString().startsWith("edgetorch-onednn")),
                            w.filter(p -> p.getFileName().toString().matches("hs_err_pid.*|core(\\..*)?|replay_pid.*")))
                    .collect(Collectors.toSet());
        }
    }
}
