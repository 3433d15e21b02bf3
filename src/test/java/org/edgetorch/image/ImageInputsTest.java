package org.edgetorch.image;

import org.edgetorch.tensor.FloatTensor;
import org.edgetorch.util.UserError;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import java.util.stream.Stream;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class ImageInputsTest {
    @TempDir
    Path dir;

    private Path write(String name, byte[] bytes) throws IOException {
        return Files.write(dir.resolve(name), bytes);
    }

    private static byte[] png(int w, int h) {
        return TestImages.encode(TestImages.constant(w, h, 1, 2, 3), ".png");
    }

    private static String failure(Path p) {
        UserError e = assertThrows(UserError.class, () -> ImageInputs.collect(List.of(p)));
        assertTrue(e.getMessage().contains(p.toString()), "message names the file: " + e.getMessage());
        assertTrue(!e.getMessage().contains("\n"), "one line: " + e.getMessage());
        return e.getMessage();
    }

    @Test
    void missingFile() {
        assertTrue(failure(dir.resolve("nope.jpg")).contains("no such file"));
    }

    @Test
    void emptyFile() throws IOException {
        assertTrue(failure(write("empty.jpg", new byte[0])).contains("empty file"));
    }

    /** A 144-megapixel first frame header followed by a small one: every frame header is checked. */
    @Test
    void everyJpegFrameHeaderIsChecked() throws IOException {
        byte[] jpg = TestImages.encode(TestImages.mat8(64, 48, 3, (x, y, c) -> (x + y + c) % 256), ".jpg");
        int sof = indexOf(jpg, new byte[]{(byte) 0xFF, (byte) 0xC0});
        assertTrue(sof > 0, "baseline frame header");
        int len = ((jpg[sof + 2] & 0xFF) << 8) | (jpg[sof + 3] & 0xFF);
        byte[] big = Arrays.copyOfRange(jpg, sof, sof + 2 + len);
        big[5] = (byte) (12000 >> 8); // height 12000
        big[6] = (byte) (12000 & 0xFF);
        big[7] = (byte) (12000 >> 8); // width 12000
        big[8] = (byte) (12000 & 0xFF);
        byte[] bomb = new byte[jpg.length + big.length];
        System.arraycopy(jpg, 0, bomb, 0, sof);
        System.arraycopy(big, 0, bomb, sof, big.length);
        System.arraycopy(jpg, sof, bomb, sof + big.length, jpg.length - sof);
        String m = failure(write("bomb.jpg", bomb));
        assertTrue(m.contains("image dimensions 12000x12000 are too large"), m);
        assertEquals(64, ImageHeader.inspect(jpg, "ok.jpg").width(), "a one-frame JPEG still passes");
    }

    @Test
    void truncatedJpeg() throws IOException {
        byte[] jpg = TestImages.encode(TestImages.mat8(64, 48, 3, (x, y, c) -> (x * 7 + y * 3 + c * 50) % 256), ".jpg");
        assertTrue(failure(write("cut.jpg", Arrays.copyOf(jpg, jpg.length / 2))).contains("truncated JPEG"));
        // only the end-of-image marker missing
        assertTrue(failure(write("noeoi.jpg", Arrays.copyOf(jpg, jpg.length - 2))).contains("truncated JPEG"));
        // trailing bytes after a complete JPEG are fine
        byte[] trailing = Arrays.copyOf(jpg, jpg.length + 10);
        assertEquals(1, ImageInputs.collect(List.of(write("trailing.jpg", trailing))).size());
    }

    @Test
    void truncatedPngAndBmp() throws IOException {
        byte[] p = png(64, 48);
        assertTrue(failure(write("cut.png", Arrays.copyOf(p, p.length - 20))).contains("truncated PNG"));
        byte[] bmp = TestImages.encode(TestImages.constant(64, 48, 1, 2, 3), ".bmp");
        assertTrue(failure(write("cut.bmp", Arrays.copyOf(bmp, bmp.length - 100))).contains("truncated BMP"));
    }

    @Test
    void textFileNamedJpg() throws IOException {
        assertTrue(failure(write("notes.jpg", "hello, this is text\n".getBytes())).contains("not an image"));
    }

    @Test
    void corruptPixelDataFailsCleanly() throws IOException {
        // a structurally complete PNG whose compressed pixel data is garbage: the native decoder fails, we report it
        byte[] p = png(64, 48);
        int idat = indexOf(p, "IDAT".getBytes());
        for (int i = idat + 4; i < idat + 30 && i < p.length - 12; i++) p[i] = (byte) 0xA5;
        assertTrue(failure(write("garbage.png", p)).contains("cannot decode"));
    }

    @Test
    void tooSmallImages() throws IOException {
        assertTrue(failure(write("one.png", png(1, 1))).contains("too small (1x1)"));
        assertTrue(failure(write("thin.png", png(300, 4))).contains("too small"));
        assertEquals(1, ImageInputs.collect(List.of(write("eight.png", png(8, 8)))).size());
    }

    @Test
    void hugeDimensionsAreRefusedBeforeDecoding() throws IOException {
        // a valid small PNG whose header is rewritten to claim 100000 x 100000 pixels
        byte[] p = png(16, 16);
        ByteBuffer.wrap(p).putInt(16, 100_000).putInt(20, 100_000);
        assertTrue(failure(write("bomb.png", p)).contains("too large"));
        byte[] q = png(16, 16);
        ByteBuffer.wrap(q).putInt(16, 20_000).putInt(20, 20_000); // 400 megapixels
        assertTrue(failure(write("big.png", q)).contains("too large"));
        byte[] r = png(16, 16);
        ByteBuffer.wrap(r).putInt(16, 20_000).putInt(20, 10);
        assertTrue(failure(write("strip.png", r)).contains("aspect ratio"));
    }

    @Test
    void directoryWithoutImages() throws IOException {
        Path d = Files.createDirectory(dir.resolve("docs"));
        Files.writeString(d.resolve("readme.txt"), "no images here");
        assertTrue(failure(d).contains("no images"));
    }

    @Test
    void directoryIsItsImagesSortedByName() throws IOException {
        Path d = Files.createDirectory(dir.resolve("imgs"));
        Files.write(d.resolve("b.png"), TestImages.encode(TestImages.constant(30, 30, 0, 0, 0), ".png"));
        Files.write(d.resolve("a.jpg"), TestImages.encode(TestImages.constant(30, 30, 255, 255, 255), ".jpg"));
        Files.write(d.resolve("c.BMP"), TestImages.encode(TestImages.constant(30, 30, 9, 9, 9), ".bmp"));
        Files.writeString(d.resolve("notes.txt"), "skipped");
        List<ImageInput> in = ImageInputs.collect(List.of(d));
        assertEquals(List.of(d.resolve("a.jpg").toString(), d.resolve("b.png").toString(), d.resolve("c.BMP").toString()),
                in.stream().map(ImageInput::name).toList());
    }

    @Test
    void noInputsAtAll() {
        assertThrows(UserError.class, () -> ImageInputs.collect(List.of()));
    }

    @Test
    void batchStacksInOrder() throws IOException {
        Path a = write("a.png", TestImages.encode(TestImages.constant(30, 30, 0, 0, 0), ".png"));
        Path b = write("b.png", TestImages.encode(TestImages.constant(30, 30, 255, 255, 255), ".png"));
        List<ImageInput> in = ImageInputs.collect(List.of(b, a, b));
        FloatTensor batch = ImageInputs.batch(in);
        assertArrayEquals(new long[]{3, 3, 224, 224}, batch.shape());
        int n = 3 * 224 * 224;
        for (int i = 0; i < 3; i++) {
            assertArrayEquals(in.get(i).tensor().data(), Arrays.copyOfRange(batch.data(), i * n, (i + 1) * n));
        }
        assertTrue(batch.data()[0] > 2 && batch.data()[n] < -2, "order kept: white, black");
    }

    @Test
    void bundledPhotos() throws IOException {
        List<ImageInput> all = ImageInputs.bundled();
        assertEquals(26, all.size());
        List<String> names = all.stream().map(ImageInput::name).toList();
        assertEquals(names.stream().sorted().toList(), names);
        for (ImageInput in : all) assertArrayEquals(new long[]{1, 3, 224, 224}, in.tensor().shape(), in.name());
        // the jar's index lists exactly the photos in the project's images/ folder
        try (Stream<Path> files = Files.list(Path.of("images"))) {
            List<String> onDisk = files.map(p -> p.getFileName().toString())
                    .filter(n -> !n.endsWith(".md") && !n.endsWith(".txt")).sorted().toList();
            assertEquals(onDisk, names);
        }
    }

    private static int indexOf(byte[] hay, byte[] needle) {
        outer:
        for (int i = 0; i + needle.length <= hay.length; i++) {
            for (int j = 0; j < needle.length; j++) if (hay[i + j] != needle[j]) continue outer;
            return i;
        }
        return -1;
    }
}
