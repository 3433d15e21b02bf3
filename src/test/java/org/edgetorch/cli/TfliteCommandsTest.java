package org.edgetorch.cli;

import com.google.gson.JsonObject;
import org.edgetorch.CliRun;
import org.edgetorch.TestSupport;
import org.edgetorch.crosscheck.IoFile;
import org.edgetorch.quant.QuantTestModels;
import org.edgetorch.util.Json;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;

import static org.junit.jupiter.api.Assertions.*;

/** .tflite files through the commands: export/quantize write them, bench/predict run them, bad ones are one line. */
class TfliteCommandsTest {
    @TempDir
    static Path dir;
    static Path pt;
    static Path tflite;
    static Path image;

    @BeforeAll
    static void fixture() throws IOException {
        TestSupport.libtorch();
        pt = dir.resolve("small_cnn_fp32.pt");
        QuantTestModels.smallCnn(pt, 5);
        CliRun r = CliRun.of("export", "--format", "tflite", "--in", pt.toString());
        assertEquals(0, r.code(), r.err());
        tflite = dir.resolve("small_cnn_fp32.tflite");
        assertTrue(r.out().contains("wrote " + tflite) && r.out().contains("NHWC input [1,224,224,3]"), r.out());
        image = dir.resolve("apple.jpg");
        try (InputStream in = TfliteCommandsTest.class.getResourceAsStream("/org/edgetorch/images/apple.jpg")) {
            Files.write(image, in.readAllBytes());
        }
    }

    @Test
    void benchRunsATfliteFileWithAndWithoutXnnpack() {
        for (boolean xnnpack : new boolean[]{true, false}) {
            String[] args = {"bench", "--model", tflite.toString(), "--runs", "3", "--warmup", "1", "--warmup-time", "0",
                    "--min-time", "0", "--json", "--quiet"};
            if (!xnnpack) args = append(args, "--no-xnnpack");
            CliRun r = CliRun.of(args);
            assertEquals(0, r.code(), r.err());
            JsonObject j = Json.parse(r.out()).getAsJsonObject();
            JsonObject t = j.getAsJsonArray("targets").get(0).getAsJsonObject();
            assertEquals("tflite", t.get("kind").getAsString());
            String call = t.get("timed_call").getAsString();
            assertTrue(call.contains("prepared NHWC float32 input") && call.contains(xnnpack ? "XNNPACK" : "built-in kernels"), call);
            assertTrue(j.getAsJsonObject("environment").getAsJsonObject("runtimes").has("tflite"), r.out());
            assertFalse(j.getAsJsonObject("environment").has("libtorch"), "a run of .tflite files names no LibTorch: " + r.out());
        }
    }

    @Test
    void saveIoAndQuantizeToInt8() {
        Path io = dir.resolve("io.json");
        // the small CNN has 10 classes, which predict refuses as ImageNet logits: bench records the same
        CliRun r = CliRun.of("bench", "--model", tflite.toString(), "--input", image.toString(), "--save-io", io.toString(),
                "--runs", "1", "--warmup", "0", "--warmup-time", "0", "--min-time", "0", "--quiet");
        assertEquals(0, r.code(), r.err());
        IoFile f = IoFile.read(io);
        assertEquals(1, f.variants().size());
        assertEquals("tflite", f.variants().get(0).kind());
        assertArrayEquals(new long[]{1, 10}, f.variants().get(0).outputs().get(0).tensor().shape());

        Path int8 = dir.resolve("small_cnn_int8.tflite");
        CliRun q = CliRun.of("quantize", "--mode", "static", "--format", "tflite", "--in", pt.toString(), "--calib-count", "4",
                "--eval-count", "3", "--json");
        assertEquals(0, q.code(), q.err());
        JsonObject j = Json.parse(q.out()).getAsJsonObject();
        assertEquals("tflite", j.getAsJsonObject("result").get("format").getAsString());
        assertTrue(j.getAsJsonObject("fidelity").get("sqnr_db").getAsDouble() > 20, q.out());
        assertTrue(Files.isRegularFile(int8));
        CliRun u = CliRun.of("quantize", "--mode", "static", "--int8-io", "--in", pt.toString());
        assertNotEquals(0, u.code());
        assertTrue(u.err().contains("--int8-io applies to --format tflite only"), u.err());
    }

    @Test
    void badFilesAndUnsupportedOpsAreOneLineAndExit1() throws IOException {
        Path truncated = dir.resolve("truncated.tflite");
        byte[] b = Files.readAllBytes(tflite);
        Files.write(truncated, Arrays.copyOf(b, 4000));
        CliRun r = CliRun.of("predict", "--model", truncated.toString(), image.toString());
        assertEquals(1, r.code());
        assertOneLine(r.err(), truncated + ": ");

        Path exp = dir.resolve("exp.pt");
        QuantTestModels.withExp(exp);
        Path out = dir.resolve("exp.tflite");
        CliRun e = CliRun.of("export", "--format", "tflite", "--in", exp.toString(), "--out", out.toString());
        assertEquals(1, e.code());
        assertOneLine(e.err(), "edgetorch: cannot export to TFLite: unsupported operation aten::exp");
        assertFalse(Files.exists(out));
    }

    /**
     * FlatBuffers with wrong offsets and counts: TFLite's verifier sees them before anything reads the bytes
     * (a shape vector of 2^31 entries made the Java schema classes allocate that much: OutOfMemoryError).
     */
    @Test
    void damagedFlatBuffersAreOneLineAndExit1() throws IOException {
        byte[] good = Files.readAllBytes(tflite);
        org.tensorflow.lite.schema.Model m = org.tensorflow.lite.schema.Model.getRootAsModel(
                java.nio.ByteBuffer.wrap(good).order(java.nio.ByteOrder.LITTLE_ENDIAN));
        org.tensorflow.lite.schema.SubGraph g = m.subgraphs(0);
        int shapeCount = g.tensors(g.inputs(0)).shapeAsByteBuffer().position() - 4; // a vector's length precedes it
        int inputIndex = g.inputsAsByteBuffer().position();
        String[][] cases = {
                {"shape-count", Integer.toString(shapeCount), "2147483647", "TensorFlow Lite's verifier rejects the file"},
                {"root-past-end", "0", "2147483632", "TensorFlow Lite's verifier rejects the file"},
                {"input-index", Integer.toString(inputIndex), "16777215", ""},
        };
        for (String[] c : cases) {
            byte[] b = good.clone();
            java.nio.ByteBuffer.wrap(b).order(java.nio.ByteOrder.LITTLE_ENDIAN).putInt(Integer.parseInt(c[1]), Integer.parseInt(c[2]));
            Path f = Files.write(dir.resolve(c[0] + ".tflite"), b);
            CliRun r = CliRun.of("predict", "--model", f.toString(), image.toString());
            assertEquals(1, r.code(), c[0] + ": " + r.err());
            assertOneLine(r.err(), f + ": " + c[3]);
        }
        Path jpeg = Files.copy(image, dir.resolve("photo.tflite"));
        CliRun r = CliRun.of("predict", "--model", jpeg.toString(), image.toString());
        assertEquals(1, r.code());
        assertOneLine(r.err(), jpeg + ": not a TensorFlow Lite file (no \"TFL3\" identifier at bytes 4..7)");
    }

    @Test
    void infoNamesTfliteAndXnnpack() {
        CliRun r = CliRun.of("info", "--json");
        assertEquals(0, r.code(), r.err());
        JsonObject j = Json.parse(r.out()).getAsJsonObject();
        assertTrue(j.get("tflite").getAsString().startsWith("2."), r.out());
        assertTrue(j.get("tflite_xnnpack").getAsBoolean(), r.out());
    }

    static void assertOneLine(String err, String start) {
        String s = err.strip();
        assertFalse(s.contains("\n"), s);
        assertTrue(s.startsWith("edgetorch: ") && s.contains(start), s);
    }

    static String[] append(String[] a, String x) {
        String[] o = Arrays.copyOf(a, a.length + 1);
        o[a.length] = x;
        return o;
    }
}
