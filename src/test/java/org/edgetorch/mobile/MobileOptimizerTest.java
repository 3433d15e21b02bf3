package org.edgetorch.mobile;

import org.bytedeco.pytorch.global.torch;
import org.edgetorch.backend.Backends;
import org.edgetorch.runtime.InputLayout;
import org.edgetorch.runtime.Model;
import org.edgetorch.runtime.PreparedRun;
import org.edgetorch.runtime.Runtimes;
import org.edgetorch.tensor.FloatTensor;
import org.edgetorch.util.UserError;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.*;

class MobileOptimizerTest {
    @TempDir
    static Path dir;
    static Path blockPt;
    static Path blockPtl;
    static MobileExportResult block;

    static MobileOptions options() {
        return MobileOptions.defaults().withInputShape(TestModels.INPUT).withVerify(true, 3, 1e-4);
    }

    @BeforeAll
    static void exportBlock() {
        Backends.get().setThreads(1);
        blockPt = TestModels.fp32Block(dir.resolve("block.pt"));
        blockPtl = dir.resolve("block.ptl");
        block = MobileOptimizer.optimize(blockPt, blockPtl, options());
    }

    @Test
    void xnnpackLiteFileTakesChannelsLastInputWithTheSameOutputs() {
        FloatTensor x = MobileOptimizer.inputs(options().withSeed(5)).get(0);
        FloatTensor nhwc, nchw;
        try (Model m = Runtimes.load(blockPtl); PreparedRun run = m.prepare(x)) {
            assertEquals(InputLayout.NHWC, m.inputLayout(), "XNNPACK's prepacked convolutions want channels-last");
            assertTrue(run.description().contains("channels-last input"), run.description());
            nhwc = m.forward(x);
        }
        Runtimes.setInputLayout(InputLayout.NCHW);
        try (Model m = Runtimes.load(blockPtl)) {
            assertEquals(InputLayout.NCHW, m.inputLayout(), "--input-layout nchw overrides");
            nchw = m.forward(x);
        } finally {
            Runtimes.setInputLayout(null);
        }
        assertArrayEquals(nchw.shape(), nhwc.shape());
        for (int i = 0; i < nchw.data().length; i++) assertEquals(nchw.data()[i], nhwc.data()[i], 1e-5);
        try (Model m = Runtimes.load(blockPt)) {
            assertEquals(InputLayout.NCHW, m.inputLayout(), "a plain TorchScript file keeps NCHW");
        }
        // bench names each variant's layout and the one-off conversion's cost
        org.edgetorch.CliRun r = org.edgetorch.CliRun.of("bench", "--model", blockPt.toString(), "--model", blockPtl.toString(),
                "--shape", "1,3,16,16", "--warmup", "0", "--warmup-time", "0", "--runs", "2", "--min-time", "0", "--resources", "off",
                "--quiet", "--json");
        assertEquals(0, r.code(), r.err());
        var targets = org.edgetorch.util.Json.parse(r.out()).getAsJsonObject().getAsJsonArray("targets");
        assertEquals("nchw", targets.get(0).getAsJsonObject().get("input_layout").getAsString());
        assertEquals("nhwc", targets.get(1).getAsJsonObject().get("input_layout").getAsString());
        assertTrue(targets.get(1).getAsJsonObject().get("input_conversion_ms").getAsDouble() > 0);
    }

    @Test
    void rewritesConvAndLinearToPrepackedOpsWithFusedClamps() {
        var ops = block.opsAfter();
        assertEquals(3, ops.getOrDefault("prepacked::conv2d_clamp_run", 0), ops.toString());
        assertEquals(1, ops.getOrDefault("prepacked::linear_clamp_run", 0), ops.toString());
        for (String gone : List.of("aten::conv2d", "aten::linear", "aten::batch_norm", "aten::dropout",
                "aten::hardtanh", "aten::relu", "prim::GetAttr")) {
            assertFalse(ops.containsKey(gone), gone + " left in " + ops);
        }
        RewriteCounts c = block.rewrites();
        assertEquals(3, c.conv2dToXnnpack());
        assertEquals(1, c.linearToXnnpack());
        assertEquals(1, c.reluFused());
        assertEquals(1, c.relu6Fused());
        assertEquals(2, c.batchNormFolded());
        assertEquals(0, c.batchNormRemaining());
        assertEquals(1, c.dropoutRemoved());
        assertEquals(4, c.packedConstants());
        assertEquals(3, block.packedObjects().get("__torch__.torch.classes.xnnpack.Conv2dOpContext"));
        assertEquals("fp32", block.precision());
    }

    @Test
    void writesLiteInterpreterBytecodeListingThePrepackedOps() {
        MobileArchive a = MobileArchive.read(blockPtl);
        assertEquals(torch.kProducedBytecodeVersion(), (long) a.bytecodeVersion());
        assertEquals(block.bytecodeVersion(), a.bytecodeVersion());
        assertTrue(a.bytecodeOperators().containsKey("prepacked::conv2d_clamp_run"), a.bytecodeOperators().toString());
        assertTrue(a.bytecodeOperators().containsKey("prepacked::linear_clamp_run"), a.bytecodeOperators().toString());
        assertFalse(a.bytecodeOperators().containsKey("aten::dropout"));
        assertTrue(a.hasMobileDebugInfo());
        assertTrue(a.extraFiles().get(MobileOptimizer.METADATA_FILE).contains("\"precision\": \"fp32\""));
        var reloaded = org.edgetorch.backend.ModelFiles.loadChecked(blockPtl);
        assertTrue(reloaded.hasattr("mobile_optimized") && reloaded.attr("mobile_optimized").toBool());
    }

    @Test
    void ptlReloadsAndMatchesTheInputModel() {
        assertNotNull(block.verification());
        assertTrue(block.verification().maxAbsDiff() < 1e-4, "max diff " + block.verification().maxAbsDiff());
        List<FloatTensor> inputs = MobileOptimizer.inputs(options().withSeed(99));
        List<FloatTensor> a = new java.util.ArrayList<>(), b = new java.util.ArrayList<>();
        try (Model pt = Backends.get().load(blockPt); Model ptl = Backends.get().load(blockPtl)) {
            for (FloatTensor x : inputs) {
                a.add(pt.forward(x));
                b.add(ptl.forward(x));
            }
        }
        OutputComparison c = OutputComparison.of(a, b);
        assertEquals(3, c.samples());
        assertTrue(c.maxAbsDiff() < 1e-4, "max diff " + c.maxAbsDiff());
        assertTrue(c.minCosine() > 0.99999, "cosine " + c.minCosine());
        assertEquals(1.0, c.top1Agreement());
        assertTrue(c.maxAbsReference() > 0.01, "outputs should not be ~0: " + c.maxAbsReference());
    }

    @Test
    void noDebugInfoLeavesOutTheMobileDebugRecords() {
        Path out = dir.resolve("block-nodebug.ptl");
        MobileExportResult r = MobileOptimizer.optimize(blockPt, out, options().withDebugInfo(false));
        assertFalse(r.debugInfo());
        assertFalse(MobileArchive.read(out).hasMobileDebugInfo());
        assertTrue(r.outputBytes() < block.outputBytes(), r.outputBytes() + " vs " + block.outputBytes());
    }

    @Test
    void withoutXnnpackOnlyFreezesAndFolds() {
        Path out = dir.resolve("block-plain.ptl");
        MobileExportResult r = MobileOptimizer.optimize(blockPt, out, options().withXnnpack(false));
        assertEquals(3, r.opsAfter().get("aten::conv2d"));
        assertFalse(r.opsAfter().containsKey("aten::batch_norm"));
        assertFalse(r.opsAfter().containsKey("aten::dropout"));
        assertFalse(r.opsAfter().keySet().stream().anyMatch(k -> k.startsWith("prepacked::")));
    }

    @Test
    void forwardTakingSomethingElseThanOneTensorIsAClearError() {
        Path two = TestModels.withSource(dir.resolve("two.pt"),
                "def forward(self, x: Tensor, y: Tensor) -> Tensor:\n    return torch.add(x, y)\n");
        Path out = dir.resolve("two.ptl");
        UserError e = assertThrows(UserError.class, () -> MobileOptimizer.optimize(two, out, options()));
        assertTrue(e.getMessage().contains("forward must be forward(self, x: Tensor) -> Tensor"), e.getMessage());
        assertTrue(e.getMessage().contains("y: Tensor"), e.getMessage());
        assertFalse(Files.exists(out));

        Path tuple = TestModels.withSource(dir.resolve("tuple.pt"),
                "def forward(self, x: Tensor) -> Tuple[Tensor, Tensor]:\n    return (x, x)\n");
        e = assertThrows(UserError.class, () -> MobileOptimizer.optimize(tuple, dir.resolve("tuple.ptl"), options()));
        assertTrue(e.getMessage().contains("-> Tuple"), e.getMessage());

        Path integer = TestModels.withSource(dir.resolve("int.pt"),
                "def forward(self, n: int) -> Tensor:\n    return torch.mul(self.w, n)\n");
        e = assertThrows(UserError.class, () -> MobileOptimizer.optimize(integer, dir.resolve("int.ptl"), options()));
        assertTrue(e.getMessage().contains("n: int"), e.getMessage());
    }

    @Test
    void addFollowedByReluBecomesOneFusedOp() {
        Path pt = TestModels.withSource(dir.resolve("addrelu.pt"),
                "def forward(self, x: Tensor) -> Tensor:\n    return torch.relu(torch.add(x, self.w))\n");
        MobileExportResult r = MobileOptimizer.optimize(pt, dir.resolve("addrelu.ptl"),
                options().withInputShape(2, 4, 4));
        assertEquals(1, r.rewrites().addReluFused());
        assertEquals(Map.of("aten::_add_relu", 1), r.opsAfter());
        assertTrue(r.verification().maxAbsDiff() == 0.0, "add+relu fused is exact");
    }

    @Test
    void checkInputsTheModelCannotTakeNameTheShapeAndWriteNothing() {
        Path out = dir.resolve("wrongshape.ptl");
        UserError e = assertThrows(UserError.class,
                () -> MobileOptimizer.optimize(blockPt, out, options().withInputShape(1, 4, 16, 16)));
        assertTrue(e.getMessage().contains("--input-shape") && e.getMessage().contains("[1, 4, 16, 16]"), e.getMessage());
        assertFalse(Files.exists(out));
        try (var files = Files.list(dir)) {
            assertTrue(files.noneMatch(p -> p.getFileName().toString().startsWith(".")), "temporary files left behind");
        } catch (java.io.IOException io) {
            fail(io);
        }
    }

    @Test
    void refusesToOverwriteItsInput() {
        UserError e = assertThrows(UserError.class, () -> MobileOptimizer.optimize(blockPt, blockPt, options()));
        assertTrue(e.getMessage().contains("overwrite"), e.getMessage());
    }
}
