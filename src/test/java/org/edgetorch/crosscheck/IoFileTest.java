package org.edgetorch.crosscheck;

import org.edgetorch.tensor.FloatTensor;
import org.edgetorch.util.UserError;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class IoFileTest {
    @TempDir
    Path dir;

    @Test
    void roundTripKeepsEveryBitAndField() {
        IoRecorder r = new IoRecorder("predict", IoFiles.machine("linux-x86_64", "2.10.0"), "shorter side 256");
        FloatTensor img = IoFiles.image(1);
        float[] special = {Float.MIN_VALUE, -0f, 1e-38f, 3.4e38f, Float.NaN, Float.POSITIVE_INFINITY};
        FloatTensor odd = new FloatTensor(new long[]{1, 6}, special);
        r.input("a.jpg", "a.jpg", "image", null, img);
        r.input("dummy:0", "seeded normal", "dummy", null, odd);
        r.outputs("m.pt", "/x/m.pt", "torchscript", java.util.List.of("a.jpg"), IoFiles.logits(3));
        r.output("m.pt", "/x/m.pt", "torchscript", "dummy:0", odd);
        r.latency("m.pt", "/x/m.pt", "torchscript", new IoFile.Latency("bench", 20, 1.0, 1.5, 1.6, 2.0));
        r.error("m.ptl", "/x/m.ptl", "lite", "bytecode version 9 > 8");
        java.nio.file.Path model = dir.resolve("m.pt");
        try (var z = new java.util.zip.ZipOutputStream(Files.newOutputStream(model))) {
            z.putNextEntry(new java.util.zip.ZipEntry("m/version"));
            z.write("3\n".getBytes());
            z.closeEntry();
        } catch (java.io.IOException e) {
            throw new AssertionError(e);
        }
        r.file("m.pt", "/x/m.pt", "torchscript", model);
        Path f = dir.resolve("io.json");
        IoFile written = r.save(f);
        IoFile read = IoFile.read(f);

        assertEquals(IoFile.SCHEMA, read.schema());
        assertEquals("predict", read.command());
        assertEquals("linux-x86_64", read.machine().get("platform"));
        assertEquals(1L, read.machine().get("threads"));
        assertEquals("shorter side 256", read.preprocessing());
        assertEquals(2, read.inputs().size());
        assertArrayEquals(img.data(), read.input("a.jpg").tensor().data());
        assertArrayEquals(img.shape(), read.input("a.jpg").tensor().shape());
        assertEquals(written.input("a.jpg").sha256(), read.input("a.jpg").sha256());
        float[] back = read.input("dummy:0").tensor().data();
        for (int i = 0; i < special.length; i++) assertEquals(Float.floatToRawIntBits(special[i]), Float.floatToRawIntBits(back[i]));
        IoFile.Variant v = read.variant("m.pt");
        assertEquals("torchscript", v.kind());
        assertArrayEquals(IoFiles.logits(3).data(), v.output("a.jpg").tensor().data());
        assertEquals(1.5, v.latency().medianMs());
        assertNull(v.error());
        assertEquals("bytecode version 9 > 8", read.variant("m.ptl").error());
        assertEquals(3, v.file().formatVersion());
        assertEquals(-1, v.file().bytecodeVersion());
        assertEquals(64, v.file().sha256().length());
    }

    @Test
    void tamperedDataAndForeignFilesAreClearErrors() throws Exception {
        IoRecorder r = new IoRecorder("predict", IoFiles.machine("linux-x86_64", "2.10.0"), null);
        r.input("a.jpg", "a.jpg", "image", null, IoFiles.image(1));
        Path f = dir.resolve("io.json");
        r.save(f);
        String text = Files.readString(f);
        String sha = IoFile.sha256(IoFiles.image(1));
        Files.writeString(dir.resolve("bad.json"), text.replace(sha, "0" + sha.substring(1)));
        UserError e = assertThrows(UserError.class, () -> IoFile.read(dir.resolve("bad.json")));
        assertTrue(e.getMessage().contains("does not match its sha256"), e.getMessage());

        Files.writeString(dir.resolve("other.json"), "{\"schema\": \"edgetorch.bench/1\"}");
        e = assertThrows(UserError.class, () -> IoFile.read(dir.resolve("other.json")));
        assertTrue(e.getMessage().contains("not an edgetorch --save-io file"), e.getMessage());
        Files.writeString(dir.resolve("junk.json"), "not json at all {");
        assertThrows(UserError.class, () -> IoFile.read(dir.resolve("junk.json")));
        assertThrows(UserError.class, () -> IoFile.read(dir.resolve("missing.json")));
    }

    @Test
    void savingAgainMergesVariantsOfTheSameMachineOnly() {
        Path f = dir.resolve("io.json");
        IoRecorder a = new IoRecorder("predict", IoFiles.machine("linux-arm64", "2.6.0"), null);
        a.input("a.jpg", "a.jpg", "image", null, IoFiles.image(1));
        a.output("fp32.pt", "fp32.pt", "torchscript", "a.jpg", IoFiles.logits(1));
        a.save(f);
        IoRecorder b = new IoRecorder("predict", IoFiles.machine("linux-arm64", "2.6.0"), null);
        b.input("a.jpg", "a.jpg", "image", null, IoFiles.image(1));
        b.output("int8.pt", "int8.pt", "torchscript", "a.jpg", IoFiles.logits(2));
        IoFile merged = b.save(f);
        assertEquals(2, merged.variants().size());
        assertEquals(1, IoFile.read(f).inputs().size());

        IoRecorder more = new IoRecorder("bench", IoFiles.machine("linux-arm64", "2.6.0"), null);
        more.input("b.jpg", "b.jpg", "image", null, IoFiles.image(2));
        more.output("fp32.pt", "fp32.pt", "torchscript", "b.jpg", IoFiles.logits(2));
        more.latency("fp32.pt", "fp32.pt", "torchscript", new IoFile.Latency("bench", 5, 1, 2, 2, 3));
        IoFile.Variant fp32 = more.save(f).variant("fp32.pt");
        assertEquals(2, fp32.outputs().size(), "outputs of both runs");
        assertEquals("bench", fp32.latency().source());
        IoRecorder predictAgain = new IoRecorder("predict", IoFiles.machine("linux-arm64", "2.6.0"), null);
        predictAgain.input("a.jpg", "a.jpg", "image", null, IoFiles.image(1));
        predictAgain.output("fp32.pt", "fp32.pt", "torchscript", "a.jpg", IoFiles.logits(1));
        predictAgain.latency("fp32.pt", "fp32.pt", "torchscript", new IoFile.Latency("predict", 1, 9, 9, 9, 9));
        assertEquals("bench", predictAgain.save(f).variant("fp32.pt").latency().source(), "predict's coarse timing does not replace bench's");

        IoRecorder changed = new IoRecorder("predict", IoFiles.machine("linux-arm64", "2.6.0"), null);
        changed.input("a.jpg", "a.jpg", "image", null, IoFiles.image(99));
        UserError e = assertThrows(UserError.class, () -> changed.save(f));
        assertTrue(e.getMessage().contains("differs"), e.getMessage());

        IoRecorder x86 = new IoRecorder("predict", IoFiles.machine("linux-x86_64", "2.10.0"), null);
        e = assertThrows(UserError.class, () -> x86.save(f));
        assertTrue(e.getMessage().contains("another machine"), e.getMessage());
        assertEquals(2, IoFile.read(f).variants().size(), "a refused save leaves the file as it was");
        assertEquals(2, IoFile.read(f).inputs().size());
    }

    @Test
    void replayAddsTheOtherMachinesTensorsUnderReplayIds() {
        IoRecorder x86 = new IoRecorder("predict", IoFiles.machine("linux-x86_64", "2.10.0"), null);
        x86.input("a.jpg", "a.jpg", "image", null, IoFiles.image(1));
        x86.input("replay:z", "z", "replay", "z", IoFiles.image(5));
        IoRecorder arm = new IoRecorder("predict", IoFiles.machine("linux-arm64", "2.6.0"), null);
        var added = arm.replay(x86.build());
        assertEquals(1, added.size(), "replays of replays are not carried on");
        assertEquals("replay:a.jpg", added.get(0).id());
        assertEquals("a.jpg", added.get(0).replayOf());
        assertEquals(IoFile.sha256(IoFiles.image(1)), added.get(0).sha256());
    }
}
