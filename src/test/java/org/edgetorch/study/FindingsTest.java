package org.edgetorch.study;

import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The findings name the fastest runtime per precision, from hand-made figures. */
class FindingsTest {

    private static StudyResult withOnnx() {
        StudyResult s = SampleResults.sample(false);
        List<Variant> variants = new ArrayList<>(s.variants());
        variants.add(new Variant(OnnxStage.FP32_ID, "FP32 ONNX Runtime (.onnx)", "onnx", "onnx", "fp32", null, "m.onnx", 14_000_000L,
                SampleResults.CLOSE));
        variants.add(new Variant(OnnxStage.INT8_ID, "INT8 ONNX Runtime (QDQ .onnx)", "onnx", "onnx", "int8", null, "q.onnx", 3_600_000L,
                SampleResults.CLOSE));
        List<Latency> latency = new ArrayList<>(s.latency());
        latency.add(SampleResults.lat(OnnxStage.FP32_ID, 1, 6, 50.0));   // LibTorch's best FP32 at 1 thread: 15 ms
        latency.add(SampleResults.lat(OnnxStage.INT8_ID, 1, 10, 50.0));  // LibTorch's INT8 (QNNPACK) at 1 thread: 5 ms
        return new StudyResult(s.created(), s.edgetorchVersion(), s.command(), s.machine(), s.weights(), s.quick(), s.threads(),
                s.plan(), s.timer(), s.heldOut(), s.calibration(), s.stages(), variants, latency, s.verification(), s.python(), s.notes(),
                s.accuracy(), s.labels());
    }

    private static List<Latency> rows(StudyResult r, int threads) {
        return r.latency().stream().filter(l -> l.threads() == threads && l.input().equals("dummy")).toList();
    }

    @Test
    void fastestRuntimePerPrecision() {
        StudyResult r = withOnnx();
        assertEquals("Fastest FP32 runtime here at 1 thread: ONNX Runtime (FP32 ONNX Runtime (.onnx), 6.00 ms); "
                        + "LibTorch's best: FP32 TorchScript (.pt), 15.0 ms (2.5× slower).",
                Findings.fastestRuntimes(r, rows(r, 1), "fp32"));
        assertTrue(Findings.fastestRuntimes(r, rows(r, 1), "int8").startsWith(
                "Fastest INT8 runtime here at 1 thread: LibTorch (INT8 static QNNPACK (.pt), "), Findings.fastestRuntimes(r, rows(r, 1), "int8"));
        assertTrue(Findings.of(r).stream().anyMatch(f -> f.startsWith("Fastest FP32 runtime here at 1 thread: ONNX Runtime")));
    }

    @Test
    void oneRuntimeAloneIsNoFinding() {
        StudyResult r = SampleResults.sample(false);
        assertNull(Findings.fastestRuntimes(r, rows(r, 1), "fp32"));
        // ONNX variants are not LibTorch engines
        assertTrue(Findings.of(withOnnx()).stream().filter(f -> f.startsWith("Best static INT8 engine")).noneMatch(f -> f.contains("onnx")));
    }
}
