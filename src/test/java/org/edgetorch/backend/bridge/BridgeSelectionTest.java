package org.edgetorch.backend.bridge;

import org.edgetorch.backend.Backends;
import org.edgetorch.backend.ModelFiles;
import org.edgetorch.util.UserError;
import org.junit.jupiter.api.Test;

import java.nio.file.Path;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Which backend a request means where, and what users are told when something is missing. No natives. */
class BridgeSelectionTest {

    @Test
    void autoIsBytedecoWhereItPublishesNativesAndTheBridgeElsewhere() {
        assertEquals("bytedeco", Backends.choose("auto", "linux-x86_64"));
        assertEquals("bytedeco", Backends.choose(null, "macosx-arm64"));
        assertEquals("bridge", Backends.choose("auto", "linux-arm64"));
        assertEquals("bridge", Backends.choose("auto", "linux-armhf"));
    }

    @Test
    void explicitRequestsWin() {
        assertEquals("bridge", Backends.choose("bridge", "linux-x86_64"));
        assertEquals("bridge", Backends.choose("BRIDGE", "linux-arm64"));
        assertEquals("bytedeco", Backends.choose("bytedeco", "windows-x86_64"));
    }

    @Test
    void bytedecoOnLinuxArm64IsAClearError() {
        UserError e = assertThrows(UserError.class, () -> Backends.choose("bytedeco", "linux-arm64"));
        assertTrue(e.getMessage().contains("linux-arm64"), e.getMessage());
        assertTrue(e.getMessage().contains("--backend bridge"), e.getMessage());
    }

    @Test
    void qnnpackMissingOnArmSaysWhatToInstall() {
        String m = BridgeBackend.missingEngineMessage("qnnpack", List.of("onednn"), "linux-arm64", "2.6.0");
        assertTrue(m.contains("'qnnpack' is not in this LibTorch (2.6.0, linux-arm64)"), m);
        assertTrue(m.contains("it has: onednn"), m);
        assertTrue(m.contains("pip install torch") && m.contains("bridge build --libtorch"), m);
    }

    @Test
    void fbgemmOffX86PointsToArmEngines() {
        String m = BridgeBackend.missingEngineMessage("fbgemm", List.of("onednn"), "linux-arm64", "2.6.0");
        assertTrue(m.contains("x86-64 engines"), m);
        assertTrue(m.contains("qnnpack") && m.contains("onednn"), m);
        String x86 = BridgeBackend.missingEngineMessage("x86", List.of("qnnpack", "onednn"), "linux-x86_64", "1.13.0");
        assertTrue(x86.contains("--backend bytedeco"), x86);
    }

    @Test
    void engineListsAreLowerCaseAndSkipBlanks() {
        assertEquals(List.of("qnnpack", "onednn"), BridgeBackend.splitEngines("QNNPACK, onednn,"));
        assertEquals(List.of(), BridgeBackend.splitEngines(""));
    }

    @Test
    void ptlGoesToTheLiteInterpreterAndPtToTheFullJit() {
        ModelFiles.Archive full = new ModelFiles.Archive(true, true, true);
        assertTrue(BridgeBackend.useLiteLoader(Path.of("m.ptl"), full));
        assertFalse(BridgeBackend.useLiteLoader(Path.of("m.pt"), full));
        assertTrue(BridgeBackend.useLiteLoader(Path.of("m.pt"), new ModelFiles.Archive(false, true, false)));
        assertFalse(BridgeBackend.useLiteLoader(Path.of("m.ptl"), new ModelFiles.Archive(true, false, true)));
    }

    @Test
    void missingLibTorchSonameBecomesAnInstallHint() {
        String chain = "no jniBridgeNative in java.library.path: /usr/lib\n"
                + "/root/.javacpp/cache/x.jar/org/edgetorch/backend/bridge/linux-arm64/libjniBridgeNative.so: "
                + "libtorch_cpu.so.2.6: cannot open shared object file: No such file or directory\n";
        String m = BridgeLibrary.explain(chain, null);
        assertTrue(m.contains("needs libtorch_cpu.so.2.6"), m);
        assertTrue(m.contains("sudo apt install libtorch2.6"), m);
    }

    @Test
    void otherMissingLibrariesAndAbsentBridgesAreNamed() {
        String blas = BridgeLibrary.explain("no jniBridgeNative\nx.so: libblas.so.3: cannot open shared object file: No such file", null);
        assertTrue(blas.contains("libblas.so.3"), blas);
        String none = BridgeLibrary.explain("no jniBridgeNative in java.library.path: /usr/lib", null);
        assertTrue(none.contains("has no bridge") && none.contains("bridge build --libtorch"), none);
        String abi = BridgeLibrary.explain("x.so: undefined symbol: _ZN5torch3jit4load", Path.of("/tmp/x.so"));
        assertTrue(abi.contains("does not match") && abi.contains("/tmp/x.so"), abi);
    }
}
