package org.edgetorch.mobile;

import org.edgetorch.backend.Backends;
import org.edgetorch.cli.Main;
import org.edgetorch.util.UserError;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.io.OutputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.Enumeration;
import java.util.Random;
import java.util.zip.CRC32;
import java.util.zip.ZipEntry;
import java.util.zip.ZipFile;
import java.util.zip.ZipOutputStream;

import static org.junit.jupiter.api.Assertions.*;

/** Corrupt, truncated or foreign .ptl files: a clear error, never a crash. */
class DamagedArchiveTest {
    @TempDir
    static Path dir;
    static Path good;

    @BeforeAll
    static void writeGoodArchive() {
        Path pt = TestModels.fp32Block(dir.resolve("block.pt"));
        good = dir.resolve("block.ptl");
        MobileOptimizer.optimize(pt, good, MobileOptions.defaults().withInputShape(TestModels.INPUT).withVerify(false, 1, 0));
    }

    @Test
    void truncatedArchive() throws IOException {
        byte[] all = Files.readAllBytes(good);
        for (int keep : new int[]{all.length / 2, all.length - 30, 100}) {
            Path cut = dir.resolve("cut-" + keep + ".ptl");
            Files.write(cut, Arrays.copyOf(all, keep));
            assertClearError(cut);
        }
    }

    @Test
    void flippedBytesInsideAnEntry() throws IOException {
        byte[] all = Files.readAllBytes(good);
        all[all.length / 2] ^= 0x5a;
        all[all.length / 2 + 1] ^= 0x33;
        Path bad = dir.resolve("flipped.ptl");
        Files.write(bad, all);
        assertClearError(bad);
    }

    @Test
    void notAnArchiveAtAll() throws IOException {
        Path empty = dir.resolve("empty.ptl");
        Files.write(empty, new byte[0]);
        assertClearError(empty);
        Path noise = dir.resolve("noise.ptl");
        byte[] b = new byte[4096];
        new Random(3).nextBytes(b);
        Files.write(noise, b);
        assertClearError(noise);
        Path text = dir.resolve("text.ptl");
        Files.writeString(text, "this is not a model\n");
        assertClearError(text);
    }

    /** A well-formed zip (CRCs fine) whose bytecode.pkl is garbage: the lite interpreter's half is broken. */
    @Test
    void damagedBytecodeIsReportedByTheArchiveReader() throws IOException {
        Path bad = dir.resolve("badbytecode.ptl");
        byte[] garbage = new byte[300];
        new Random(9).nextBytes(garbage);
        garbage[0] = (byte) 0x80;
        garbage[1] = 2;
        rewriteEntry(good, bad, "bytecode.pkl", garbage);
        UserError e = assertThrows(UserError.class, () -> MobileArchive.read(bad));
        // the tensor-record check reads bytecode.pkl first (ModelFiles.checkedEntries)
        assertTrue(e.getMessage().contains("bytecode.pkl") && e.getMessage().contains("damaged"), e.getMessage());
    }

    @Test
    void pickleReaderFailsCleanlyOnNoise() {
        Random r = new Random(1);
        for (int i = 0; i < 500; i++) {
            byte[] b = new byte[1 + r.nextInt(200)];
            r.nextBytes(b);
            if (i % 2 == 0) {
                b[0] = (byte) 0x80;
                if (b.length > 1) b[1] = 2;
            }
            try {
                PickleReader.read(b);
            } catch (IllegalArgumentException expected) {
                // the only failure allowed
            }
        }
    }

    @Test
    void cliOptimizeOnACorruptInputExitsOneWithOneLine() throws IOException {
        byte[] all = Files.readAllBytes(good);
        Path cut = dir.resolve("cut-cli.ptl");
        Files.write(cut, Arrays.copyOf(all, all.length / 3));
        var err = new java.io.StringWriter();
        var cl = Main.commandLine();
        cl.setErr(new java.io.PrintWriter(err));
        int code = cl.execute("optimize", "--in", cut.toString(), "--out", dir.resolve("never.ptl").toString());
        assertEquals(1, code);
        assertTrue(err.toString().startsWith("edgetorch: "), err.toString());
        assertEquals(1, err.toString().strip().lines().count(), err.toString());
        assertFalse(Files.exists(dir.resolve("never.ptl")));
    }

    private static void assertClearError(Path file) {
        UserError load = assertThrows(UserError.class, () -> Backends.get().load(file), file.toString());
        assertTrue(load.getMessage().contains(file.toString()), load.getMessage());
        assertThrows(UserError.class, () -> MobileArchive.read(file), file.toString());
    }

    /** Copies a zip, replacing the content of the entry whose name ends with {@code suffix} (stored, CRC correct). */
    static void rewriteEntry(Path from, Path to, String suffix, byte[] content) throws IOException {
        try (ZipFile in = new ZipFile(from.toFile()); OutputStream os = Files.newOutputStream(to);
             ZipOutputStream out = new ZipOutputStream(os)) {
            Enumeration<? extends ZipEntry> entries = in.entries();
            while (entries.hasMoreElements()) {
                ZipEntry e = entries.nextElement();
                byte[] data = e.getName().endsWith(suffix) ? content : in.getInputStream(e).readAllBytes();
                ZipEntry n = new ZipEntry(e.getName());
                n.setMethod(ZipEntry.STORED);
                n.setSize(data.length);
                CRC32 crc = new CRC32();
                crc.update(data);
                n.setCrc(crc.getValue());
                out.putNextEntry(n);
                out.write(data);
                out.closeEntry();
            }
        }
    }
}
