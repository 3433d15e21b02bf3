package org.edgetorch.cli;

import org.edgetorch.image.ImageInput;
import org.edgetorch.image.ImageInputs;
import org.edgetorch.image.ImagePreprocessor;
import org.edgetorch.image.ResizeMode;
import org.edgetorch.util.Json;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

class PreprocessCommandTest {
    @TempDir
    Path dir;

    /** Runs the CLI in-process; returns {exit code, stderr}. */
    private static Object[] run(String... args) {
        PrintStream oldErr = System.err, oldOut = System.out;
        ByteArrayOutputStream err = new ByteArrayOutputStream();
        try {
            System.setErr(new PrintStream(err, true));
            System.setOut(new PrintStream(new ByteArrayOutputStream(), true));
            int code = Main.execute(args);
            return new Object[]{code, err.toString()};
        } finally {
            System.setErr(oldErr);
            System.setOut(oldOut);
        }
    }

    @Test
    void writesRawTensorsAndShape() throws IOException {
        String name = ImageInputs.bundledNames().get(0);
        Path img = Files.write(dir.resolve(name), ImageInputs.readBundled(name));
        Path out = dir.resolve("out");
        Object[] r = run("preprocess", img.toString(), "--resize", "area", "--out", out.toString());
        assertEquals(0, r[0], (String) r[1]);
        String stem = name.substring(0, name.lastIndexOf('.'));
        var meta = Json.parse(Files.readString(out.resolve(stem + ".json"))).getAsJsonObject();
        assertEquals("[1,3,224,224]", meta.get("shape").toString());
        assertEquals("area", meta.get("resize").getAsString());
        byte[] raw = Files.readAllBytes(out.resolve(stem + ".f32"));
        float[] values = new float[raw.length / 4];
        ByteBuffer.wrap(raw).order(ByteOrder.LITTLE_ENDIAN).asFloatBuffer().get(values);
        ImageInput expected = ImageInputs.collect(List.of(img), new ImagePreprocessor(ResizeMode.AREA)).get(0);
        assertArrayEquals(expected.tensor().data(), values);
    }

    @Test
    void badInputsExitOneWithOneLine() throws IOException {
        Path out = dir.resolve("out");
        Path text = Files.writeString(dir.resolve("photo.jpg"), "not really a photo");
        Path empty = Files.write(dir.resolve("empty.png"), new byte[0]);
        Path noImages = Files.createDirectory(dir.resolve("nothing"));
        for (Path p : List.of(text, empty, noImages, dir.resolve("missing.webp"))) {
            Object[] r = run("preprocess", p.toString(), "--out", out.toString());
            String err = (String) r[1];
            assertEquals(1, r[0], err);
            assertTrue(err.startsWith("edgetorch: ") && err.contains(p.toString()), err);
            assertEquals(1, err.strip().lines().count(), err);
            assertFalse(err.contains("Exception"), err);
        }
        assertFalse(Files.exists(out), "nothing written on failure");
    }

    @Test
    void unknownResizeModeIsAUsageError() {
        Object[] r = run("preprocess", "--resize", "cubic", "--out", dir.toString());
        assertEquals(2, r[0]);
        assertTrue(((String) r[1]).contains("antialias"), (String) r[1]);
    }

    @Test
    void outputThatIsAFileFails() throws IOException {
        Path file = Files.writeString(dir.resolve("file"), "x");
        Object[] r = run("preprocess", "--out", file.toString());
        assertEquals(1, r[0], (String) r[1]);
    }
}
