package org.edgetorch.backend.bridge;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.zip.ZipEntry;
import java.util.zip.ZipOutputStream;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

class ArchiveVersionsTest {

    @Test
    void bytecodeVersionIsTheFirstPickledInteger() {
        assertEquals(8, ArchiveVersions.bytecodeVersion(new byte[]{(byte) 0x80, 2, 'K', 8, 'X'}));
        assertEquals(9, ArchiveVersions.bytecodeVersion(new byte[]{(byte) 0x80, 2, '(', 'K', 9}));
        assertEquals(300, ArchiveVersions.bytecodeVersion(new byte[]{(byte) 0x80, 2, 'M', 44, 1}));
        assertEquals(ArchiveVersions.UNKNOWN, ArchiveVersions.bytecodeVersion(new byte[]{(byte) 0x80, 2, 'X'}));
        assertEquals(ArchiveVersions.UNKNOWN, ArchiveVersions.bytecodeVersion(new byte[0]));
    }

    @Test
    void readsVersionRecordsFromAnArchiveAndExplainsTooNewFiles(@TempDir Path dir) throws IOException {
        Path f = dir.resolve("m.ptl");
        try (ZipOutputStream z = new ZipOutputStream(Files.newOutputStream(f))) {
            put(z, "m/version", "11\n".getBytes(StandardCharsets.US_ASCII));
            put(z, "m/bytecode.pkl", new byte[]{(byte) 0x80, 2, 'K', 10, ')'});
        }
        ArchiveVersions v = ArchiveVersions.read(f);
        assertEquals(11, v.fileFormat());
        assertEquals(10, v.bytecode());
        String hint = ArchiveVersions.readableHint(f, true, 9, 10);
        assertTrue(hint.contains("bytecode version 10") && hint.contains("up to 9"), hint);
        assertTrue(hint.contains("file format version is 11"), hint);
        assertEquals("", ArchiveVersions.readableHint(f, false, 9, 11));
    }

    private static void put(ZipOutputStream z, String name, byte[] data) throws IOException {
        z.putNextEntry(new ZipEntry(name));
        OutputStream out = z;
        out.write(data);
        z.closeEntry();
    }
}
