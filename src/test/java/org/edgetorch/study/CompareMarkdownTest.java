package org.edgetorch.study;

import org.edgetorch.crosscheck.CrossComparison;
import org.edgetorch.tensor.Agreement;
import org.junit.jupiter.api.Test;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertTrue;

class CompareMarkdownTest {
    private static Map<String, Object> machine(String platform, String emulation) {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("platform", platform);
        m.put("cpu", "cpu of " + platform);
        m.put("backend", "bytedeco");
        m.put("libtorch", "2.10.0");
        m.put("quantized_engine", "qnnpack");
        m.put("threads", 1);
        if (emulation != null) m.put("emulation", emulation);
        return m;
    }

    @Test
    void rendersInTheStudyStyle() {
        CrossComparison.Result r = new CrossComparison.Result(machine("linux-x86_64", null), machine("linux-arm64", "qemu-aarch64"),
                List.of(new CrossComparison.InputDiff("img1.jpg", false, 0.0123, 0.001)),
                List.of(new CrossComparison.VariantResult("fp32.pt", false, new Agreement(2, 1e-6, 1e-7, 1, 110, 1, 1, 5),
                                new Agreement(1, 0.01, 0.001, 0.99999, 40, 1, 1, 5), 10.0, 50.0, 5.0, 1.0, 1.0, List.of(), List.of()),
                        new CrossComparison.VariantResult("int8.pt", true, null, null, null, null, Double.NaN, null, null, List.of(),
                                List.of("missing on the other machine"))),
                List.of("int8.pt: missing on the other machine"));
        String md = CompareMarkdown.render(r, "x86.json", "arm.json");
        assertTrue(md.startsWith("# edgetorch compare: linux-arm64 against linux-x86_64"), md);
        assertTrue(md.contains("| File | `x86.json` | `arm.json` |"), md);
        assertTrue(md.contains("> One machine ran under emulation"), md);
        assertTrue(md.contains("**Beyond bounds:**\n\n- int8.pt: missing on the other machine"), md);
        assertTrue(md.contains("| fp32.pt | 2 | 1.00e-06 | 1.0000000 | 110.0 | 100% | 100% | 0.9999900 | 100% |"), md);
        assertTrue(md.contains("| int8.pt (INT8) | — |"), md);
        assertTrue(md.contains("| fp32.pt | 10.0 | 50.0 | 5.00× | 1.00× | 1.00× |"), md);
        assertTrue(md.contains("| img1.jpg | differ | 0.0123 | 0.00100 |"), md);
    }
}
