package org.edgetorch.crosscheck;

import org.edgetorch.tensor.FloatTensor;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;

/** Synthetic --save-io content for tests: machines, inputs, logits. */
final class IoFiles {
    private IoFiles() {
    }

    static Map<String, Object> machine(String platform, String libtorch) {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("platform", platform);
        m.put("cpu", platform.contains("arm") ? "Raspberry Pi 4 Model B Rev 1.4, CPU part 0xd08 (Cortex-A72)" : "Intel(R) Xeon(R)");
        m.put("backend", platform.contains("arm") ? "bridge" : "bytedeco");
        m.put("libtorch", libtorch);
        m.put("quantized_engines", List.of("onednn"));
        m.put("threads", 1);
        return m;
    }

    static FloatTensor image(long seed) {
        Random r = new Random(seed);
        float[] d = new float[3 * 4 * 4];
        for (int i = 0; i < d.length; i++) d[i] = (float) r.nextGaussian();
        return new FloatTensor(new long[]{1, 3, 4, 4}, d);
    }

    /** Logits [1, 10] with a clear order: class (seed % 10) first, then by index. */
    static FloatTensor logits(long seed) {
        float[] d = new float[10];
        for (int i = 0; i < d.length; i++) d[i] = -i * 0.5f;
        d[(int) (seed % 10)] = 10;
        return new FloatTensor(new long[]{1, 10}, d);
    }

    static FloatTensor perturbed(FloatTensor t, double eps, long seed) {
        Random r = new Random(seed);
        float[] d = t.data().clone();
        for (int i = 0; i < d.length; i++) d[i] += (float) (eps * r.nextGaussian());
        return new FloatTensor(t.shape(), d);
    }
}
