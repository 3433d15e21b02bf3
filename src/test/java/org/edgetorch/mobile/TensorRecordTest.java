package org.edgetorch.mobile;

import org.edgetorch.CliRun;
import org.edgetorch.backend.Backends;
import org.edgetorch.util.UserError;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.zip.ZipFile;

import static org.junit.jupiter.api.Assertions.*;

/**
 * Archives whose zip and CRCs are intact but whose tensor records point outside their storages: LibTorch
 * would read past a buffer (SIGSEGV); the pre-flight check must refuse them with one line naming the file.
 */
class TensorRecordTest {
    @TempDir
    static Path dir;
    static Path pt;
    static Path ptl;

    @BeforeAll
    static void writeGoodArchives() {
        pt = TestModels.fp32Block(dir.resolve("block.pt"));
        ptl = dir.resolve("block.ptl");
        MobileOptimizer.optimize(pt, ptl, MobileOptions.defaults().withInputShape(TestModels.INPUT).withVerify(false, 1, 0));
    }

    @Test
    void intactArchivesPass() {
        assertDoesNotThrow(() -> Backends.get().load(pt).close());
        assertDoesNotThrow(() -> MobileArchive.read(ptl));
    }

    @Test
    void offsetPastTheStorageIsRefusedBeforeLibTorch() throws IOException {
        Path bad = dir.resolve("offset.pt");
        DamagedArchiveTest.rewriteEntry(pt, bad, "/data.pkl", withFirstOffset(entry(pt, "/data.pkl"), 200));
        UserError e = assertThrows(UserError.class, () -> Backends.get().load(bad));
        assertTrue(e.getMessage().startsWith(bad + ": damaged archive: data.pkl: tensor record points outside its storage"),
                e.getMessage());
        CliRun run = CliRun.of("optimize", "--in", bad.toString(), "--out", dir.resolve("never.ptl").toString());
        assertEquals(1, run.code());
        assertTrue(run.err().contains(bad + ": damaged archive") && run.err().contains("outside its storage"), run.err());
        assertFalse(run.err().contains("\tat "), run.err());
        assertFalse(Files.exists(dir.resolve("never.ptl")));
    }

    @Test
    void offsetPastTheStorageInConstantsAndBytecodeIsRefused() throws IOException {
        Path bad = dir.resolve("offset.ptl");
        DamagedArchiveTest.rewriteEntry(ptl, bad, "/constants.pkl", withFirstOffset(entry(ptl, "/constants.pkl"), 250));
        UserError e = assertThrows(UserError.class, () -> MobileArchive.read(bad));
        assertTrue(e.getMessage().contains("constants.pkl: tensor record points outside its storage"), e.getMessage());
        Path bad2 = dir.resolve("offset2.ptl");
        DamagedArchiveTest.rewriteEntry(ptl, bad2, "/bytecode.pkl", withFirstOffset(entry(ptl, "/bytecode.pkl"), 250));
        UserError e2 = assertThrows(UserError.class, () -> Backends.get().load(bad2));
        assertTrue(e2.getMessage().contains("bytecode.pkl: tensor record points outside its storage"), e2.getMessage());
    }

    @Test
    void storageShorterThanItsDeclaredSizeIsRefused() throws IOException {
        Path bad = dir.resolve("short.pt");
        byte[] data0 = entry(pt, "/data/0");
        DamagedArchiveTest.rewriteEntry(pt, bad, "/data/0", java.util.Arrays.copyOf(data0, data0.length / 2));
        UserError e = assertThrows(UserError.class, () -> Backends.get().load(bad));
        assertTrue(e.getMessage().contains("tensor storage data/0 declares"), e.getMessage());
    }

    @Test
    void missingStorageIsRefused() throws IOException {
        Path bad = dir.resolve("missing.pt");
        byte[] pkl = entry(pt, "/data.pkl");
        String s = new String(pkl, StandardCharsets.ISO_8859_1);
        // rename the reference of storage "0" to "z": same length keeps the pickle well formed
        int at = s.indexOf("X\u0001\u0000\u0000\u00000");
        assertTrue(at > 0, "storage key 0 not found in data.pkl");
        byte[] changed = (s.substring(0, at) + "X\u0001\u0000\u0000\u0000z" + s.substring(at + 6)).getBytes(StandardCharsets.ISO_8859_1);
        DamagedArchiveTest.rewriteEntry(pt, bad, "/data.pkl", changed);
        UserError e = assertThrows(UserError.class, () -> Backends.get().load(bad));
        assertTrue(e.getMessage().contains("tensor storage data/z is missing"), e.getMessage());
    }

    static byte[] entry(Path zip, String suffix) throws IOException {
        try (ZipFile z = new ZipFile(zip.toFile())) {
            var e = z.stream().filter(x -> x.getName().endsWith(suffix)).findFirst().orElseThrow();
            return z.getInputStream(e).readAllBytes();
        }
    }

    /**
     * The pickle with the storage offset of its first tensor record set to {@code offset}: the record is
     * {@code GLOBAL _rebuild_tensor_v2 ... BINPERSID [BINPUT n] BININT1 offset}.
     */
    static byte[] withFirstOffset(byte[] pkl, int offset) {
        String s = new String(pkl, StandardCharsets.ISO_8859_1);
        int rebuild = s.indexOf("_rebuild_tensor_v2");
        assertTrue(rebuild > 0, "no tensor record");
        int q = s.indexOf('Q', rebuild);
        int i = q + 1;
        if (pkl[i] == 'q') i += 2;
        else if (pkl[i] == 'r') i += 5;
        assertEquals('K', pkl[i], "expected BININT1 storage offset");
        byte[] out = pkl.clone();
        out[i + 1] = (byte) offset;
        return out;
    }
}
