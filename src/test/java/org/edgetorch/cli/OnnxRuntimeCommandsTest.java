package org.edgetorch.cli;

import com.google.gson.JsonObject;
import org.edgetorch.CliRun;
import org.edgetorch.util.Json;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** ONNX files through the commands that run models: the same options and reports as TorchScript files. */
class OnnxRuntimeCommandsTest {
    @TempDir
    static Path dir;
    static Path onnx;

    @BeforeAll
    static void fixture() throws IOException {
        onnx = dir.resolve("tiny_cnn.onnx");
        try (InputStream in = OnnxRuntimeCommandsTest.class.getResourceAsStream("/org/edgetorch/runtime/tiny_cnn.onnx")) {
            Files.write(onnx, in.readAllBytes());
        }
    }

    @Test
    void benchRunsAnOnnxFileOnOnnxRuntime() {
        CliRun r = CliRun.of("bench", "--model", onnx.toString(), "--shape", "2,3,8,8", "--runs", "3", "--warmup", "1",
                "--warmup-time", "0", "--min-time", "0", "--json", "--quiet", "--threads", "1");
        assertEquals(0, r.code(), r.err());
        JsonObject j = Json.parse(r.out()).getAsJsonObject();
        JsonObject t = j.getAsJsonArray("targets").get(0).getAsJsonObject();
        assertEquals("onnx", t.get("kind").getAsString());
        assertEquals("nchw", t.get("input_layout").getAsString());
        assertEquals(3, t.get("runs").getAsInt());
        assertTrue(t.get("timed_call").getAsString().startsWith("OrtSession.run"), t.get("timed_call").getAsString());
        assertTrue(t.get("wall_ms").getAsJsonObject().get("median").getAsDouble() > 0);
        assertTrue(j.getAsJsonObject("environment").getAsJsonObject("runtimes").has("onnxruntime"));
    }

    /**
     * Damaged ONNX files, in a child JVM so that native output counts too: the whole of stderr is one line.
     * An initializer whose external data is a FIFO made ONNX Runtime log the failure itself as well (it
     * refuses the FIFO: it needs a file size, so there is no hang).
     */
    @Test
    void damagedOnnxFilesAreOneLineOnStderrWithoutHanging() throws Exception {
        byte[] good = Files.readAllBytes(onnx);
        Path truncated = Files.write(dir.resolve("truncated.onnx"), java.util.Arrays.copyOf(good, good.length / 2));
        Path fifo = dir.resolve("weights.bin");
        assertEquals(0, new ProcessBuilder("mkfifo", fifo.toString()).start().waitFor());
        Path external = Files.write(dir.resolve("external.onnx"), externalData(good, "weights.bin"));
        for (Path model : List.of(truncated, external)) {
            Process p = new ProcessBuilder(Path.of(System.getProperty("java.home"), "bin", "java").toString(), "-cp",
                    System.getProperty("java.class.path"), Main.class.getName(), "bench", "--model", model.toString(),
                    "--shape", "1,3,8,8", "--runs", "1", "--quiet").redirectOutput(ProcessBuilder.Redirect.DISCARD).start();
            assertTrue(p.waitFor(120, java.util.concurrent.TimeUnit.SECONDS), model + " hangs");
            String err = new String(p.getErrorStream().readAllBytes()).strip();
            assertEquals(1, p.exitValue(), err);
            assertEquals(1, err.lines().count(), err);
            assertTrue(err.startsWith("edgetorch: " + model + ": ONNX Runtime cannot load it: "), err);
        }
    }

    /** The model with its first initializer's bytes moved to an external file (TensorProto fields 13 and 14). */
    static byte[] externalData(byte[] model, String location) throws IOException {
        var m = org.edgetorch.export.onnx.proto.Onnx.ModelProto.parseFrom(model).toBuilder();
        var t = m.getGraphBuilder().getInitializerBuilder(0);
        int bytes = t.getRawData().size();
        t.clearRawData();
        var entry = new java.io.ByteArrayOutputStream();
        var location13 = com.google.protobuf.CodedOutputStream.newInstance(entry);
        location13.writeString(1, "location");
        location13.writeString(2, location);
        location13.flush();
        var length13 = new java.io.ByteArrayOutputStream();
        var l = com.google.protobuf.CodedOutputStream.newInstance(length13);
        l.writeString(1, "length");
        l.writeString(2, Integer.toString(bytes));
        l.flush();
        t.setUnknownFields(com.google.protobuf.UnknownFieldSet.newBuilder()
                .addField(13, com.google.protobuf.UnknownFieldSet.Field.newBuilder()
                        .addLengthDelimited(com.google.protobuf.ByteString.copyFrom(entry.toByteArray()))
                        .addLengthDelimited(com.google.protobuf.ByteString.copyFrom(length13.toByteArray())).build())
                .addField(14, com.google.protobuf.UnknownFieldSet.Field.newBuilder().addVarint(1).build()) // EXTERNAL
                .build());
        return m.build().toByteArray();
    }

    @Test
    void anInputTheModelCannotTakeIsOneLineNamingBoth() {
        CliRun r = CliRun.of("bench", "--model", onnx.toString(), "--runs", "1", "--quiet");
        assertEquals(1, r.code());
        String err = r.err().strip();
        assertFalse(err.contains("\n"), err);
        assertTrue(err.startsWith("edgetorch: "), err);
        assertTrue(err.contains(onnx + ": the model's input 'input' is [?, 3, 8, 8], but it was given [1, 3, 224, 224]"), err);
    }

    @Test
    void predictSaysWhenTheOutputIsNotImageNetLogits() throws IOException {
        Path image = dir.resolve("apple.jpg");
        try (InputStream in = getClass().getResourceAsStream("/org/edgetorch/images/apple.jpg")) {
            Files.write(image, in.readAllBytes());
        }
        // the tiny model takes 8x8 images only: the shape check speaks first
        CliRun r = CliRun.of("predict", "--model", onnx.toString(), image.toString());
        assertEquals(1, r.code());
        assertTrue(r.err().contains("is [?, 3, 8, 8], but it was given [1, 3, 224, 224]"), r.err());
    }

    @Test
    void verifyComparesAnExportedOnnxFileWithTheEagerModel() {
        Path exported = dir.resolve("mobilenet_v2_fp32.onnx");
        CliRun e = CliRun.of("export", "--format", "onnx", "--out", exported.toString());
        assertEquals(0, e.code(), e.err());
        CliRun v = CliRun.of("verify", "--model", exported.toString(), "--random", "1", "--json");
        assertEquals(0, v.code(), v.err());
        JsonObject j = Json.parse(v.out()).getAsJsonObject();
        assertTrue(j.get("passed").getAsBoolean(), v.out());
        assertTrue(j.getAsJsonObject("images").get("maxAbsDiff").getAsDouble() < 1e-4, v.out());
        // other weights than the file's: verify must fail, not pass by construction
        CliRun other = CliRun.of("verify", "--model", exported.toString(), "--random", "0", "--seed", "1", "--json");
        assertEquals(1, other.code(), other.err());
    }

    @Test
    void infoNamesOnnxRuntimeAndItsProviders() {
        CliRun r = CliRun.of("info", "--json");
        assertEquals(0, r.code(), r.err());
        JsonObject j = Json.parse(r.out()).getAsJsonObject();
        assertTrue(j.get("onnxruntime").getAsString().startsWith("1."), r.out());
        assertTrue(j.get("onnxruntime_providers").toString().contains("CPU"), r.out());
    }
}
