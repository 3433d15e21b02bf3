package org.edgetorch.cli;

import org.edgetorch.CliRun;

import org.edgetorch.util.Json;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.Path;

import static org.junit.jupiter.api.Assertions.*;

/** export → verify → predict through the CLI, and the bad inputs each must reject with exit 1. */
class ModelCommandsTest {
    @TempDir
    Path dir;

    static CliRun run(String... args) {
        return CliRun.of(args);
    }

    @Test
    void exportVerifyPredictEndToEnd() {
        Path pt = dir.resolve("m.pt");
        CliRun export = run("export", "--out", pt.toString());
        assertEquals(0, export.code(), export.err());
        assertTrue(Files.exists(pt));
        assertTrue(export.err().contains("untrained"), "untrained weights must be said plainly");

        CliRun verify = run("verify", "--model", pt.toString(), "--json");
        assertEquals(0, verify.code(), verify.err());
        var doc = Json.parse(verify.out()).getAsJsonObject();
        assertTrue(doc.get("passed").getAsBoolean());
        assertEquals(10, doc.getAsJsonObject("images").get("samples").getAsInt());

        CliRun predict = run("predict", "--model", pt.toString(), "--topk", "3", "--json", "images/orange.jpg");
        assertEquals(0, predict.code(), predict.err());
        var results = Json.parse(predict.out()).getAsJsonObject().getAsJsonArray("results");
        assertEquals(1, results.size());
        var top = results.get(0).getAsJsonObject().getAsJsonArray("top");
        assertEquals(3, top.size());
        double p0 = top.get(0).getAsJsonObject().get("probability").getAsDouble();
        double p1 = top.get(1).getAsJsonObject().get("probability").getAsDouble();
        assertTrue(p0 >= p1 && p0 > 0 && p0 < 1);
        // the file records that its weights are the seeded, untrained ones, and optimize carries it over
        assertFalse(Json.parse(predict.out()).getAsJsonObject().get("trained_weights").getAsBoolean(), predict.out());
        java.nio.file.Path ptl = pt.resolveSibling("m.ptl");
        assertEquals(0, run("optimize", "--in", pt.toString(), "--out", ptl.toString(), "--runs", "0", "--load-runs", "0").code());
        CliRun mobile = run("predict", "--model", ptl.toString(), "--json", "images/orange.jpg");
        assertFalse(Json.parse(mobile.out()).getAsJsonObject().get("trained_weights").getAsBoolean(), mobile.out());
        assertTrue(Json.parse(mobile.out()).getAsJsonObject().get("weights_origin").getAsString().contains("seed"), mobile.out());
        java.nio.file.Path q = pt.resolveSibling("m_int8.pt");
        CliRun quantize = run("quantize", "--mode", "dynamic", "--in", pt.toString(), "--out", q.toString(), "--eval-count", "0");
        assertEquals(0, quantize.code(), quantize.err());
        assertEquals(java.util.Optional.of(false), org.edgetorch.backend.WeightsProvenance.trained(q), "quantize carries the record");
    }

    @Test
    void badModelFilesAreOneLineErrors() throws Exception {
        Path pt = dir.resolve("good.pt");
        assertEquals(0, run("export", "--out", pt.toString()).code());
        byte[] whole = Files.readAllBytes(pt);
        Path truncated = Files.write(dir.resolve("truncated.pt"), java.util.Arrays.copyOf(whole, whole.length / 3));
        Path text = Files.writeString(dir.resolve("text.pt"), "hello");
        Path zip = dir.resolve("other.zip");
        try (var z = new java.util.zip.ZipOutputStream(Files.newOutputStream(zip))) {
            z.putNextEntry(new java.util.zip.ZipEntry("archive/readme.txt"));
            z.write("not torchscript".getBytes());
        }
        for (Path bad : new Path[]{truncated, text, zip, dir.resolve("missing.pt")}) {
            CliRun r = run("predict", "--model", bad.toString(), "images/orange.jpg");
            assertEquals(1, r.code(), bad + ": " + r.err());
            assertEquals(1, r.err().strip().lines().count(), r.err());
            assertTrue(r.err().startsWith("edgetorch: "), r.err());
        }
    }

    @Test
    void unwritableOutputFolderIsAUserError() throws Exception {
        Path blocker = Files.writeString(dir.resolve("file"), "x");
        CliRun r = run("export", "--out", blocker.resolve("sub/m.pt").toString());
        assertEquals(1, r.code());
        assertTrue(r.err().contains("cannot create output folder"), r.err());
    }

    @Test
    void usageErrorsExitTwo() {
        assertEquals(2, run("predict").code());
        assertEquals(2, run("no-such-command").code());
    }
}
