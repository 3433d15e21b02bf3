package org.edgetorch.crosscheck;

import org.edgetorch.tensor.FloatTensor;
import org.junit.jupiter.api.Test;

import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

public class CrossComparisonTest {

    /** x86: images a, b; outputs of fp32.pt and int8.pt; latency 10 / 5 ms. */
    public static IoFile x86() {
        IoRecorder r = new IoRecorder("bench", IoFiles.machine("linux-x86_64", "2.10.0"), null);
        for (String v : List.of("fp32.pt", "int8.pt")) {
            for (int i = 0; i < 2; i++) {
                String id = "img" + i + ".jpg";
                r.input(id, id, "image", null, IoFiles.image(i));
                r.output(v, v, "torchscript", id, IoFiles.logits(i));
            }
        }
        r.latency("fp32.pt", "fp32.pt", "torchscript", new IoFile.Latency("bench", 10, 9, 10, 10, 11));
        r.latency("int8.pt", "int8.pt", "torchscript", new IoFile.Latency("bench", 10, 4, 5, 5, 6));
        return r.build();
    }

    /**
     * ARM: its own preprocessing of the images (img0 bit-identical, img1 slightly different) and replays of
     * x86's tensors; outputs perturbed by {@code eps} (fp32) and {@code qeps} (int8).
     */
    public static IoFile arm(double eps, double qeps, boolean replay) {
        IoRecorder r = new IoRecorder("bench", IoFiles.machine("linux-arm64", "2.6.0"), null);
        r.input("img0.jpg", "img0.jpg", "image", null, IoFiles.image(0));
        r.input("img1.jpg", "img1.jpg", "image", null, IoFiles.perturbed(IoFiles.image(1), 0.01, 7));
        if (replay) r.replay(x86());
        for (String v : List.of("fp32.pt", "int8.pt")) {
            double e = v.startsWith("int8") ? qeps : eps;
            for (IoFile.Input in : r.inputs()) {
                int k = in.id().contains("img0") ? 0 : 1;
                // the perturbed img1 from ARM's own preprocessing moves the output a bit more
                double extra = in.origin().equals("image") && k == 1 ? 0.05 : 0;
                r.output(v, v, "torchscript", in.id(), IoFiles.perturbed(IoFiles.logits(k), e + extra, k * 31L + in.id().length()));
            }
        }
        r.latency("fp32.pt", "fp32.pt", "torchscript", new IoFile.Latency("bench", 10, 40, 50, 50, 55));
        r.latency("int8.pt", "int8.pt", "torchscript", new IoFile.Latency("bench", 10, 10, 20, 20, 22));
        return r.build();
    }

    @Test
    void fileNotesSpeakOfLibTorchArchivesOnly() {
        var machine = java.util.Map.<String, Object>of("libtorch", "2.6.0", "max_file_format", 10L, "max_bytecode", 9L);
        assertNull(CrossComparison.fileNote(new IoFile.ModelFile("ab", -1, -1, null), machine), "an ONNX file has no LibTorch versions");
        assertEquals("file format version 3, bytecode version 8; the other machine's LibTorch 2.6.0 reads format up to 10, bytecode up to 9",
                CrossComparison.fileNote(new IoFile.ModelFile("ab", 3, 8, null), machine));
    }

    @Test
    void modelDifferenceUsesIdenticalTensorsOnly() {
        CrossComparison.Result r = CrossComparison.compare(x86(), arm(1e-5, 0.05, true), Bounds.DEFAULT);
        CrossComparison.VariantResult fp32 = r.variants().get(0);
        assertEquals("fp32.pt", fp32.name());
        // img0 (same bits on both sides) and the replays of img0, img1: two distinct tensors
        assertEquals(2, fp32.model().samples());
        assertTrue(fp32.model().maxAbsDiff() < 1e-4, "model diff " + fp32.model().maxAbsDiff());
        assertTrue(fp32.model().cosine() > 0.99999);
        assertEquals(1.0, fp32.model().top1());
        // end to end: ARM's own img1 differs, so its output differs more than the model alone
        assertEquals(2, fp32.endToEnd().samples());
        assertTrue(fp32.endToEnd().maxAbsDiff() > 10 * fp32.model().maxAbsDiff());
        assertTrue(fp32.problems().isEmpty(), fp32.problems().toString());
        assertTrue(r.withinBounds(), r.problems().toString());
    }

    @Test
    void preprocessingDifferenceIsReportedPerImage() {
        CrossComparison.Result r = CrossComparison.compare(x86(), arm(0, 0, true), Bounds.DEFAULT);
        assertEquals(2, r.preprocessing().size());
        CrossComparison.InputDiff d0 = r.preprocessing().get(0), d1 = r.preprocessing().get(1);
        assertTrue(d0.identical());
        assertFalse(d1.identical());
        assertTrue(d1.maxAbsDiff() > 0.01 && d1.maxAbsDiff() < 0.1, "max " + d1.maxAbsDiff());
        assertTrue(d1.meanAbsDiff() > 0 && d1.meanAbsDiff() < d1.maxAbsDiff());
    }

    @Test
    void latencyRatiosAcrossAndWithinMachines() {
        CrossComparison.Result r = CrossComparison.compare(x86(), arm(0, 0, true), Bounds.DEFAULT);
        CrossComparison.VariantResult fp32 = r.variants().get(0), int8 = r.variants().get(1);
        assertEquals(5.0, fp32.latencyRatio(), 1e-12);
        assertEquals(4.0, int8.latencyRatio(), 1e-12);
        assertEquals(0.5, int8.refRatioToFirst(), 1e-12);
        assertEquals(0.4, int8.otherRatioToFirst(), 1e-12);
    }

    @Test
    void quantizedVariantsGetTheirOwnBoundsAndFloatOnesFailOnLargeDifferences() {
        CrossComparison.Result ok = CrossComparison.compare(x86(), arm(1e-5, 0.05, true), Bounds.DEFAULT);
        assertTrue(ok.variants().get(1).quantized());
        assertTrue(ok.variants().get(1).model().maxAbsDiff() > Bounds.DEFAULT.maxAbsDiff(), "int8 is allowed more than fp32");
        assertTrue(ok.withinBounds(), ok.problems().toString());

        CrossComparison.Result bad = CrossComparison.compare(x86(), arm(0.01, 0.05, true), Bounds.DEFAULT);
        assertFalse(bad.withinBounds());
        assertTrue(bad.problems().get(0).startsWith("fp32.pt: max abs logit difference"), bad.problems().toString());

        CrossComparison.Result badQ = CrossComparison.compare(x86(), arm(0, 8, true), Bounds.DEFAULT);
        assertTrue(badQ.problems().stream().anyMatch(p -> p.startsWith("int8.pt: cosine")), badQ.problems().toString());
    }

    @Test
    void withoutReplayOnlyBitIdenticalImagesCountAsModelDifference() {
        CrossComparison.Result r = CrossComparison.compare(x86(), arm(0, 0, false), Bounds.DEFAULT);
        assertEquals(1, r.variants().get(0).model().samples(), "img0 only");
        IoRecorder lone = new IoRecorder("bench", IoFiles.machine("linux-arm64", "2.6.0"), null);
        lone.input("img1.jpg", "img1.jpg", "image", null, IoFiles.perturbed(IoFiles.image(1), 0.01, 7));
        lone.output("fp32.pt", "fp32.pt", "torchscript", "img1.jpg", IoFiles.logits(1));
        CrossComparison.VariantResult v = CrossComparison.compare(x86(), lone.build(), Bounds.DEFAULT).variants().get(0);
        assertNull(v.model());
        assertNotNull(v.endToEnd());
        assertTrue(v.notes().get(0).contains("--replay"), v.notes().toString());
    }

    @Test
    void variantsThatCouldNotRunOrExistOnOneSideAreSaid() {
        IoRecorder r = new IoRecorder("bench", IoFiles.machine("linux-arm64", "2.6.0"), null);
        r.replay(x86());
        r.error("fp32.pt", "fp32.pt", "torchscript", "file format version 11 > 10");
        r.output("extra.pt", "extra.pt", "torchscript", "replay:img0.jpg", IoFiles.logits(0));
        CrossComparison.Result res = CrossComparison.compare(x86(), r.build(), Bounds.DEFAULT);
        assertTrue(res.problems().contains("fp32.pt: did not run on the other machine: file format version 11 > 10"), res.problems().toString());
        CrossComparison.VariantResult extra = res.variants().stream().filter(v -> v.name().equals("extra.pt")).findFirst().orElseThrow();
        assertEquals(List.of("only in the other file"), extra.problems());
        assertTrue(res.problems().contains("extra.pt: only in the other file"), res.problems().toString());
        assertFalse(res.withinBounds());
    }

    @Test
    void differentFilesAndVersionRecordsAreSaid(@org.junit.jupiter.api.io.TempDir java.nio.file.Path dir) throws Exception {
        java.nio.file.Path f1 = dir.resolve("fp32.pt"), f2 = dir.resolve("other.pt");
        java.nio.file.Files.write(f1, new byte[]{1, 2, 3});
        java.nio.file.Files.write(f2, new byte[]{1, 2, 4});
        IoRecorder x = new IoRecorder("bench", IoFiles.machine("linux-x86_64", "2.10.0"), null);
        x.input("img0.jpg", "img0.jpg", "image", null, IoFiles.image(0));
        x.output("fp32.pt", "fp32.pt", "torchscript", "img0.jpg", IoFiles.logits(0));
        x.file("fp32.pt", "fp32.pt", "torchscript", f1);
        java.util.Map<String, Object> armMachine = IoFiles.machine("linux-arm64", "1.13.0");
        armMachine.put("max_bytecode", 9L);
        armMachine.put("max_file_format", 10L);
        IoRecorder a = new IoRecorder("bench", armMachine, null);
        a.input("img0.jpg", "img0.jpg", "image", null, IoFiles.image(0));
        a.output("fp32.pt", "fp32.pt", "torchscript", "img0.jpg", IoFiles.logits(0));
        a.file("fp32.pt", "fp32.pt", "torchscript", f2);
        CrossComparison.VariantResult v = CrossComparison.compare(x.build(), a.build(), Bounds.DEFAULT).variants().get(0);
        assertTrue(v.problems().get(0).startsWith("the two machines ran different files"), v.problems().toString());
        // these bytes hold no version records (as an ONNX file does not): nothing to say about LibTorch's reader
        assertTrue(v.notes().isEmpty(), v.notes().toString());
    }

    @Test
    void agreementStacksRowsOfEveryPair() {
        FloatTensor a = IoFiles.logits(1), b = IoFiles.logits(2);
        var ag = CrossComparison.agreement(List.of(new CrossComparison.Pair(a, a), new CrossComparison.Pair(b, a)));
        assertEquals(2, ag.samples());
        assertEquals(0.5, ag.top1());
        assertEquals(11.0, ag.maxAbsDiff(), 1e-6); // class 2: 10 in logits(2), -1 in logits(1)
    }
}
