package org.edgetorch.graph;

import org.bytedeco.pytorch.JitModule;
import org.edgetorch.backend.ModelFiles;
import org.edgetorch.export.ExportChecks;
import org.edgetorch.jit.ModelGraphReader;
import org.edgetorch.quant.CalibrationProgress;
import org.edgetorch.quant.ObserverKind;
import org.edgetorch.quant.QuantTestModels;
import org.edgetorch.quant.Quantizer;
import org.edgetorch.tensor.FloatTensor;
import org.edgetorch.util.UserError;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Random;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The zoo's ops read into the model graph, and the graph computes what TorchScript computes. */
class ModelGraphReaderZooTest {
    @TempDir
    Path dir;

    private static ModelGraph read(Path file) {
        JitModule frozen = ExportChecks.freeze(ModelFiles.loadChecked(file), file.toString());
        ModelGraph g = ModelGraphReader.read(frozen.get_method("forward").graph(), ZooOpsModels.INPUT, "test");
        GraphPasses.prepare(g, "test");
        return g;
    }

    private static List<OpKind> kinds(ModelGraph g) {
        return g.nodes.stream().map(n -> n.kind).toList();
    }

    @Test
    void squeezeExciteOpsAreRead() {
        Path in = dir.resolve("se.pt");
        ZooOpsModels.squeezeExcite(in, 1);
        ModelGraph g = read(in);
        // silu lowers to sigmoid * x; mean over H, W to a 1x1 pool (+ flatten when the dims are dropped)
        assertEquals(List.of(OpKind.CONV, OpKind.HARDSWISH, OpKind.ADAPTIVE_AVG_POOL, OpKind.CONV, OpKind.CONV,
                OpKind.HARDSIGMOID, OpKind.MUL, OpKind.CONV, OpKind.SIGMOID, OpKind.MUL, OpKind.CONV, OpKind.SIGMOID,
                OpKind.MUL, OpKind.ADAPTIVE_AVG_POOL, OpKind.FLATTEN, OpKind.LINEAR), kinds(g));
        assertEquals(1, g.nodes.stream().filter(n -> n.fused != null).count(), "the SE's relu fuses into its conv");
        GraphShapes s = GraphShapes.infer(g, ZooOpsModels.INPUT, "test");
        assertArrayEquals(new long[]{1, 5}, s.of(g.output));
    }

    @Test
    void channelShuffleOpsAreRead() {
        Path in = dir.resolve("shuffle.pt");
        ZooOpsModels.channelShuffle(in, 2);
        ModelGraph g = read(in);
        assertEquals(List.of(OpKind.CONV, OpKind.MAX_POOL, OpKind.SLICE, OpKind.SLICE, OpKind.CONV, OpKind.CAT,
                OpKind.RESHAPE, OpKind.PERMUTE, OpKind.RESHAPE, OpKind.SLICE, OpKind.SLICE, OpKind.CAT, OpKind.AVG_POOL,
                OpKind.RESHAPE, OpKind.LINEAR), kinds(g));
        Node shuffle = g.nodes.get(6);
        assertArrayEquals(new long[]{2, 4, 8, 8}, shuffle.shape, "view(n, 2, c // 2, h, w) resolved for 8 channels");
        assertArrayEquals(new long[]{0, 2, 1, 3, 4}, g.nodes.get(7).perm);
        assertArrayEquals(new long[]{8, 8, 8}, g.nodes.get(8).shape, "view(n, -1, h, w)");
        Node second = g.nodes.get(10);
        assertEquals(List.of(1L, 3L, 8L), List.of(second.axis, second.sliceStart, second.sliceEnd));
        assertArrayEquals(new long[]{128}, g.nodes.get(13).shape);
        assertTrue(g.nodes.get(1).ceilMode);
        GraphShapes s = GraphShapes.infer(g, new long[]{3, 3, 16, 16}, "test");
        assertArrayEquals(new long[]{3, 6}, s.of(g.output), "the batch stays free");
    }

    /** Calibration checks the graph's float interpreter against the frozen TorchScript module on a real input. */
    @Test
    void interpreterComputesWhatTorchScriptComputes() {
        for (String name : List.of("se", "shuffle")) {
            Path in = dir.resolve(name + ".pt");
            if (name.equals("se")) ZooOpsModels.squeezeExcite(in, 3);
            else ZooOpsModels.channelShuffle(in, 3);
            Quantizer.Calibration c = Quantizer.calibrate(in, inputs(4), ObserverKind.MINMAX, 255, "test", CalibrationProgress.NONE);
            for (Node n : c.graph().nodes) {
                if (n.kind.requantizes()) assertTrue(c.activations().containsKey(n.output), name + ": no parameters for " + n);
            }
        }
    }

    @Test
    void reshapeThatMovesTheBatchIsNamed() {
        Path in = dir.resolve("bad.pt");
        JitModule m = QuantTestModels.module("BadView");
        m.define("""
                def forward(self, x: Tensor) -> Tensor:
                    return torch.relu(x.view([3, -1]))
                """);
        m.save(in.toString());
        UserError e = assertThrows(UserError.class, () -> read(in));
        assertTrue(e.getMessage().startsWith("cannot test: unsupported operation aten::view (a reshape that does not keep the batch"),
                e.getMessage());
        assertTrue(e.getMessage().contains("op #1"), e.getMessage());
    }

    @Test
    void meanOverChannelsIsNamed() {
        Path in = dir.resolve("mean.pt");
        JitModule m = QuantTestModels.module("ChannelMean");
        m.define("""
                def forward(self, x: Tensor) -> Tensor:
                    return torch.mean(x, [1], False)
                """);
        m.save(in.toString());
        UserError e = assertThrows(UserError.class, () -> read(in));
        assertTrue(e.getMessage().contains("aten::mean (a mean over dims [1] of a 4-D tensor"), e.getMessage());
    }

    static List<FloatTensor> inputs(int n) {
        Random r = new Random(11);
        List<FloatTensor> out = new ArrayList<>();
        for (int i = 0; i < n; i++) out.add(new FloatTensor(ZooOpsModels.INPUT.clone(), QuantTestModels.gaussian(r, 3 * 16 * 16, 0, 1)));
        return out;
    }

    @SuppressWarnings("unused")
    private static String show(ModelGraph g) {
        return Arrays.toString(g.nodes.toArray());
    }
}
