package org.edgetorch.backend.bridge;

import org.edgetorch.backend.Backend;
import org.edgetorch.backend.Backends;
import org.edgetorch.runtime.Model;
import org.edgetorch.tensor.FloatTensor;
import org.edgetorch.util.Json;

import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.function.Supplier;

/**
 * Runs in a child JVM (one LibTorch per process: the test JVM has Bytedeco's): exercises the bridge over
 * the system LibTorch on the models {@link BridgeBackendTest} wrote into DIR and prints one JSON object.
 * Every step records either its result or the message of the failure it raised.
 */
public final class BridgeProbe {
    private final Map<String, Object> out = new LinkedHashMap<>();

    public static void main(String[] args) {
        Path dir = Path.of(args[0]);
        BridgeProbe p = new BridgeProbe();
        p.run(dir);
        System.out.println(Json.write(p.out));
    }

    private void step(String name, Supplier<Object> body) {
        try {
            out.put(name, body.get());
        } catch (RuntimeException e) {
            out.put(name, "error: " + e.getMessage());
        }
    }

    private void run(Path dir) {
        Backends.request("bridge");
        Backend b = Backends.get();
        out.put("backend", b.name());
        out.put("libtorch", b.libtorchVersion());
        out.put("engines", b.quantizedEngines());
        step("threads", () -> {
            b.setThreads(2);
            return b.threads();
        });
        step("threads_zero", () -> {
            b.setThreads(0);
            return "accepted";
        });
        step("engine_fbgemm", () -> {
            b.setQuantizedEngine("fbgemm");
            return "accepted";
        });
        step("engine_first", () -> {
            String e = b.quantizedEngines().get(0);
            b.setQuantizedEngine(e);
            return ((BridgeBackend) b).currentQuantizedEngine();
        });
        FloatTensor x = input();
        step("tiny_pt", () -> {
            try (Model m = b.load(dir.resolve("tiny.pt"))) {
                return m.forward(x).data();
            }
        });
        step("tiny_pt_channels_last", () -> {
            try (Model m = b.load(dir.resolve("tiny.pt"), org.edgetorch.runtime.InputLayout.NHWC)) {
                BridgeScriptModel s = (BridgeScriptModel) m;
                s.prepareLoop(x);
                s.runLoop(0, 1);
                return Map.of("layout", m.inputLayout().id(), "data", m.forward(x).data(), "loop", s.lastOutput().data());
            }
        });
        step("tiny_ptl", () -> {
            try (Model m = b.load(dir.resolve("tiny.ptl"))) {
                return Map.of("lite", ((BridgeScriptModel) m).lite(), "data", m.forward(x).data());
            }
        });
        step("wrong_shape", () -> {
            try (Model m = b.load(dir.resolve("tiny.pt"))) {
                return m.forward(new FloatTensor(new long[]{2, 5}, new float[10])).shapeString();
            }
        });
        step("tuple_output", () -> {
            try (Model m = b.load(dir.resolve("tuple.pt"))) {
                return m.forward(x).shapeString();
            }
        });
        step("garbage", () -> {
            try (Model m = b.load(dir.resolve("garbage.pt"))) {
                return "loaded";
            }
        });
        step("truncated", () -> {
            try (Model m = b.load(dir.resolve("truncated.pt"))) {
                return "loaded";
            }
        });
        step("loop", () -> {
            try (Model m = b.load(dir.resolve("tiny.pt"))) {
                BridgeScriptModel s = (BridgeScriptModel) m;
                s.prepareLoop(x);
                BridgeScriptModel.LoopSamples warm = s.runLoop(3, 0);
                BridgeScriptModel.LoopSamples r = s.runLoop(0, 5);
                Map<String, Object> res = new LinkedHashMap<>();
                res.put("warm_samples", warm.wallNs().length);
                res.put("wall", r.wallNs());
                res.put("cpu", r.cpuNs());
                res.put("sink", r.sink());
                res.put("last", s.lastOutput().data());
                return res;
            }
        });
        step("loop_unprepared", () -> {
            try (Model m = b.load(dir.resolve("tiny.pt"))) {
                return ((BridgeScriptModel) m).runLoop(0, 1).wallNs().length;
            }
        });
        step("save_for_mobile", () -> {
            Path ptl = dir.resolve("resaved.ptl");
            try (Model m = b.load(dir.resolve("tiny.pt"))) {
                ((BridgeScriptModel) m).saveForMobile(ptl, false);
            }
            try (Model m = b.load(ptl)) {
                return m.forward(x).data();
            }
        });
        step("native_forward_unloaded", () -> {
            BridgeNative.Model m = new BridgeNative.Model();
            boolean ok = m.forward(new float[]{1}, new long[]{1}, 1);
            String err = m.error();
            m.close();
            return ok + ": " + err;
        });
        step("native_bad_shape", () -> {
            BridgeNative.Model m = new BridgeNative.Model();
            m.load(dir.resolve("tiny.pt").toString(), false);
            boolean ok = m.forward(new float[4], new long[]{2, -2}, 2);
            String err = m.error();
            m.close();
            return ok + ": " + err;
        });
    }

    /** The input {@link BridgeBackendTest} computes the expected outputs for. */
    static FloatTensor input() {
        float[] d = new float[2 * 3 * 2 * 2];
        for (int i = 0; i < d.length; i++) d[i] = (i % 7) - 3 + 0.25f * i;
        return new FloatTensor(new long[]{2, 3, 2, 2}, d);
    }
}
