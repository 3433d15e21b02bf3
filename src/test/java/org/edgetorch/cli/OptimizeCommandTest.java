package org.edgetorch.cli;

import com.google.gson.JsonObject;
import org.edgetorch.backend.Backends;
import org.edgetorch.util.Json;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;

import static org.junit.jupiter.api.Assertions.*;

class OptimizeCommandTest {
    @TempDir
    static Path dir;
    static Path pt;

    @BeforeAll
    static void model() throws Exception {
        Backends.get();
        // the test-model builder lives in the mobile package's tests
        var m = Class.forName("org.edgetorch.mobile.TestModels").getDeclaredMethod("fp32Block", Path.class);
        m.setAccessible(true);
        pt = (Path) m.invoke(null, dir.resolve("block.pt"));
    }

    private record Run(int code, String out, String err) {
    }

    private static Run run(String... args) {
        PrintStream old = System.out;
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        StringWriter err = new StringWriter();
        try {
            System.setOut(new PrintStream(out, true, StandardCharsets.UTF_8));
            var cl = Main.commandLine();
            cl.setErr(new PrintWriter(err));
            int code = cl.execute(args);
            return new Run(code, out.toString(StandardCharsets.UTF_8), err.toString());
        } finally {
            System.setOut(old);
        }
    }

    @Test
    void optimizesAndReports() {
        Path ptl = dir.resolve("block.ptl");
        Run r = run("optimize", "--in", pt.toString(), "--out", ptl.toString(), "--input-shape", "1,3,16,16",
                "--runs", "3", "--load-runs", "1");
        assertEquals(0, r.code(), r.err());
        assertTrue(Files.exists(ptl));
        assertTrue(r.out().contains("bytecode version"), r.out());
        assertTrue(r.out().contains("conv2d→XNNPACK 3"), r.out());
        assertTrue(r.out().contains("speed-up"), r.out());
    }

    @Test
    void jsonOutputCarriesTheFigures() {
        Path ptl = dir.resolve("block-json.ptl");
        Run r = run("optimize", "--in", pt.toString(), "--out", ptl.toString(), "--input-shape", "1,3,16,16",
                "--runs", "0", "--load-runs", "0", "--no-debug-info", "--json");
        assertEquals(0, r.code(), r.err());
        JsonObject o = Json.parse(r.out()).getAsJsonObject();
        assertTrue(o.get("bytecodeVersion").getAsInt() >= 8);
        assertFalse(o.get("debugInfo").getAsBoolean());
        assertEquals(3, o.getAsJsonObject("rewrites").get("conv2dToXnnpack").getAsInt());
        assertTrue(o.getAsJsonObject("verification").get("maxAbsDiff").getAsDouble() < 1e-4);
        assertTrue(o.get("timings") == null || o.get("timings").isJsonNull());
    }

    @Test
    void usageAndInputErrors() {
        assertEquals(2, run("optimize", "--in", pt.toString()).code(), "--out is required");
        Run missing = run("optimize", "--in", dir.resolve("nope.pt").toString(), "--out", dir.resolve("x.ptl").toString());
        assertEquals(1, missing.code());
        assertTrue(missing.err().contains("no such file"), missing.err());
        Run shape = run("optimize", "--in", pt.toString(), "--out", dir.resolve("y.ptl").toString(), "--input-shape", "1,0,16,16");
        assertEquals(1, shape.code());
        assertFalse(Files.exists(dir.resolve("y.ptl")));
    }
}
