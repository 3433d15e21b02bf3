package org.edgetorch.cli;

import com.google.gson.JsonObject;
import org.edgetorch.CliRun;
import org.edgetorch.TestSupport;
import org.edgetorch.export.onnx.proto.Onnx.ModelProto;
import org.edgetorch.export.onnx.proto.Onnx.StringStringEntryProto;
import org.edgetorch.quant.QuantTestModels;
import org.edgetorch.util.Json;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import java.util.stream.Collectors;

import static org.junit.jupiter.api.Assertions.*;

/** {@code export --format onnx} and {@code quantize --format onnx} through the CLI, and their refusals. */
class OnnxCommandsTest {
    @TempDir
    static Path dir;
    static Path fp32;

    @BeforeAll
    static void model() {
        TestSupport.libtorch();
        fp32 = dir.resolve("small_fp32.pt");
        QuantTestModels.smallCnn(fp32, 7);
    }

    @Test
    void exportsATorchScriptFileAsOnnx() throws Exception {
        CliRun r = CliRun.of("export", "--format", "onnx", "--in", fp32.toString(), "--input-shape", "1,3,64,64");
        assertEquals(0, r.code(), r.err());
        Path out = dir.resolve("small_fp32.onnx");
        assertTrue(r.out().startsWith("wrote " + out + ": ONNX opset 14, FP32, dynamic batch"), r.out());
        ModelProto m = ModelProto.parseFrom(Files.readAllBytes(out));
        Map<String, String> meta = m.getMetadataPropsList().stream()
                .collect(Collectors.toMap(StringStringEntryProto::getKey, StringStringEntryProto::getValue));
        assertEquals("small_fp32.pt", meta.get("edgetorch.source"));
        assertEquals("fp32", meta.get("edgetorch.precision"));
        assertEquals(64, m.getGraph().getInput(0).getType().getTensorType().getShape().getDim(3).getDimValue());
    }

    @Test
    void quantizesToQdqOnnx() throws Exception {
        Path out = dir.resolve("q.onnx");
        CliRun r = CliRun.of("quantize", "--mode", "static", "--format", "onnx", "--in", fp32.toString(), "--out", out.toString(),
                "--calib-count", "3", "--eval-count", "2", "--json");
        assertEquals(0, r.code(), r.err());
        assertTrue(r.err().contains("calibrating: 3/3 images"), r.err());
        JsonObject doc = Json.parse(r.out()).getAsJsonObject();
        assertEquals("onnx", doc.getAsJsonObject("result").get("format").getAsString());
        assertEquals(2, doc.getAsJsonObject("fidelity").get("samples").getAsInt());
        assertTrue(doc.getAsJsonObject("fidelity").get("sqnr_db").getAsDouble() > 20, r.out());
        ModelProto m = ModelProto.parseFrom(Files.readAllBytes(out));
        assertTrue(m.getMetadataPropsList().stream().anyMatch(e -> e.getKey().equals("edgetorch.calibration")
                && e.getValue().equals("3 images, minmax observer")), m.getMetadataPropsList().toString());
    }

    @Test
    void unsupportedOpIsOneLineAndExitOne() throws Exception {
        Path in = dir.resolve("exp.pt");
        QuantTestModels.withExp(in);
        Path out = dir.resolve("exp.onnx");
        CliRun r = CliRun.of("export", "--format", "onnx", "--in", in.toString(), "--out", out.toString());
        assertEquals(1, r.code());
        assertTrue(r.err().startsWith("edgetorch: cannot export to ONNX: unsupported operation aten::exp at op #2"), r.err());
        assertEquals(1, r.err().strip().lines().count(), r.err());
        assertFalse(Files.exists(out));

        CliRun q = CliRun.of("quantize", "--mode", "static", "--format", "onnx", "--in", in.toString(), "--out", out.toString(),
                "--calib-count", "1", "--eval-count", "0");
        assertEquals(1, q.code());
        assertTrue(q.err().contains("edgetorch: cannot export to ONNX: unsupported operation aten::exp"), q.err());
        assertFalse(Files.exists(out));
    }

    @Test
    void inputShapeThatDoesNotFitIsOneLineAndExitOne() {
        Path out = dir.resolve("misfit.onnx");
        CliRun r = CliRun.of("export", "--format", "onnx", "--in", fp32.toString(), "--input-shape", "1,1,224,224", "--out", out.toString());
        assertEquals(1, r.code());
        assertTrue(r.err().startsWith("edgetorch: cannot export to ONNX: input shape [1,1,224,224] does not fit the model"), r.err());
        assertEquals(1, r.err().strip().lines().count(), r.err());
        assertFalse(Files.exists(out));
    }

    @Test
    void neverReplacesWhatIsNotARegularFile() throws Exception {
        Path folder = Files.createDirectory(dir.resolve("a_folder.onnx"));
        CliRun r = CliRun.of("export", "--format", "onnx", "--in", fp32.toString(), "--input-shape", "1,3,32,32", "--out", folder.toString());
        assertEquals(1, r.code());
        assertTrue(r.err().startsWith("edgetorch: " + folder + ": exists and is a directory, not a regular file; refusing to replace it"), r.err());
        assertTrue(Files.isDirectory(folder));
        Path fifo = dir.resolve("fifo.onnx");
        if (new ProcessBuilder("mkfifo", fifo.toString()).start().waitFor() == 0) {
            CliRun f = CliRun.of("export", "--format", "onnx", "--in", fp32.toString(), "--input-shape", "1,3,32,32", "--out", fifo.toString());
            assertEquals(1, f.code(), f.err());
            assertTrue(Files.exists(fifo) && !Files.isRegularFile(fifo), "the FIFO is still there");
        }
    }

    @Test
    void usageErrors() {
        assertEquals(2, CliRun.of("export", "--format", "caffe").code());
        assertEquals(2, CliRun.of("export", "--in", fp32.toString()).code(), "--in needs --format onnx");
        assertEquals(2, CliRun.of("export", "--format", "onnx", "--input-shape", "3,224,224", "--in", fp32.toString()).code());
        assertEquals(2, CliRun.of("quantize", "--mode", "dynamic", "--format", "onnx", "--in", fp32.toString()).code());
        assertEquals(2, CliRun.of("quantize", "--mode", "static", "--format", "onnx", "--engine", "onednn", "--in", fp32.toString()).code());
    }
}
