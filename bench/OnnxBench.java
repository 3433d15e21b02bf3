// ONNX Runtime on edgetorch's ONNX files, side by side in one JVM (Java single-file program; run by
// bench/onnx_reference.py, or by hand with the shaded jar on the class path):
//
//   java -cp target/edgetorch.jar bench/OnnxBench.java --fp32 models/mobilenet_v2_fp32.onnx \
//       --torch-onnx models/mobilenet_v2_torch.onnx --int8 models/mobilenet_v2_int8.onnx \
//       [--inputs x.f32 --logits torch_logits.f32] [--pt models/mobilenet_v2_fp32.pt --pt-int8 models/mobilenet_v2_int8_onednn.pt]
//       [--fp32-optimized-out F.onnx --torch-optimized-out F.onnx --int8-optimized-out F.onnx] [--rounds N]
//
// 1. logits: edgetorch's FP32 file in ONNX Runtime against PyTorch's logits of the same inputs (raw little-endian
//    float32 files written by the Python side: inputs [N,3,224,224], logits [N,1000]), the whole batch in one run;
// 2. speed: the three files interleaved (one run of each per round, rotating the order), 1 thread, all graph
//    optimizations, on one [1,3,224,224] photo; medians and ratios;
// 3. INT8 fidelity on the bundled held-out photos: ONNX Runtime INT8 vs ONNX Runtime FP32, and LibTorch INT8
//    (--pt-int8) vs LibTorch FP32 (--pt), both as SQNR over all logits.
import ai.onnxruntime.OnnxTensor;
import ai.onnxruntime.OrtEnvironment;
import ai.onnxruntime.OrtSession;
import org.edgetorch.runtime.Model;
import org.edgetorch.runtime.Runtimes;
import org.edgetorch.bench.Stats;
import org.edgetorch.image.ImageInput;
import org.edgetorch.image.StudyImages;
import org.edgetorch.quant.Fidelity;
import org.edgetorch.tensor.Agreement;
import org.edgetorch.tensor.FloatTensor;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.FloatBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

public class OnnxBench {
    public static void main(String[] args) throws Exception {
        Map<String, String> a = new HashMap<>();
        for (int i = 0; i + 1 < args.length; i += 2) a.put(args[i], args[i + 1]);
        int rounds = Integer.parseInt(a.getOrDefault("--rounds", "300"));
        OrtEnvironment env = OrtEnvironment.getEnvironment();
        String[] names = {"edgetorch FP32", "torch.onnx.export FP32", "edgetorch INT8 QDQ"};
        String[] files = {a.get("--fp32"), a.get("--torch-onnx"), a.get("--int8")};
        OrtSession[] s = new OrtSession[3];
        String[] optimized = {a.get("--fp32-optimized-out"), a.get("--torch-optimized-out"), a.get("--int8-optimized-out")};
        for (int i = 0; i < 3; i++) s[i] = session(env, files[i], optimized[i]);

        if (a.containsKey("--inputs")) {
            float[] x = floats(Path.of(a.get("--inputs")));
            float[] ref = floats(Path.of(a.get("--logits")));
            int n = x.length / (3 * 224 * 224);
            float[] got = run(env, s[0], new FloatTensor(new long[]{n, 3, 224, 224}, x)).data();
            double diff = 0, largest = 0;
            for (int i = 0; i < ref.length; i++) {
                diff = Math.max(diff, Math.abs(ref[i] - got[i]));
                largest = Math.max(largest, Math.abs(ref[i]));
            }
            System.out.printf("logits: edgetorch FP32 ONNX (ONNX Runtime) vs torchvision (PyTorch) on %d images, one batch: "
                    + "max |diff| %.3g = %.2e of the largest logit %.3g%n", n, diff, diff / largest, largest);
        }

        FloatTensor photo = batched(StudyImages.heldOut().get(0).tensor());
        for (int i = 0; i < 3; i++) {
            for (int w = 0; w < 30; w++) run(env, s[i], photo);
        }
        double[][] ms = new double[3][rounds];
        for (int r = 0; r < rounds; r++) {
            for (int k = 0; k < 3; k++) {
                int i = (r + k) % 3;
                long t0 = System.nanoTime();
                run(env, s[i], photo);
                ms[i][r] = (System.nanoTime() - t0) / 1e6;
            }
        }
        double[] med = new double[3];
        for (int i = 0; i < 3; i++) {
            Stats st = Stats.of(ms[i]);
            med[i] = st.median();
            System.out.printf("speed: %-24s median %6.2f ms  (p10 %6.2f, p90 %6.2f; %d runs) %s%n", names[i], st.median(), st.p10(),
                    st.p90(), rounds, files[i]);
        }
        // paired: the ratio of two runs of the same round (adjacent in time), so load changes between rounds cancel
        double[] fp32VsTorch = new double[rounds], fp32VsInt8 = new double[rounds];
        for (int r = 0; r < rounds; r++) {
            fp32VsTorch[r] = ms[0][r] / ms[1][r];
            fp32VsInt8[r] = ms[0][r] / ms[2][r];
        }
        System.out.printf("speed: edgetorch FP32 / torch.onnx.export FP32 = %.3f (ratio of medians), %.3f (median of per-round ratios); "
                + "target <= 1.05%n", med[0] / med[1], Stats.of(fp32VsTorch).median());
        System.out.printf("speed: FP32 / INT8 (edgetorch's files) = %.2fx (ratio of medians), %.2fx (median of per-round ratios); "
                + "target >= 1.4%n", med[0] / med[2], Stats.of(fp32VsInt8).median());

        List<FloatTensor> held = new ArrayList<>();
        for (ImageInput im : StudyImages.heldOut()) held.add(batched(im.tensor()));
        List<FloatTensor> f = new ArrayList<>(), q = new ArrayList<>();
        for (FloatTensor x : held) {
            f.add(run(env, s[0], x));
            q.add(run(env, s[2], x));
        }
        Agreement onnx = Agreement.of(Fidelity.stack(f), Fidelity.stack(q));
        System.out.printf("fidelity: ONNX Runtime INT8 vs ONNX Runtime FP32 on %d held-out photos: SQNR %.2f dB, cosine %.4f, top-1 %.0f%%%n",
                onnx.samples(), onnx.sqnrDb(), onnx.cosine(), 100 * onnx.top1());
        if (a.containsKey("--pt-int8")) {
            Agreement lt;
            try (Model fp32 = Runtimes.load(Path.of(a.get("--pt"))); Model int8 = Runtimes.load(Path.of(a.get("--pt-int8")))) {
                lt = Fidelity.compare(fp32, int8, held);
            }
            System.out.printf("fidelity: LibTorch INT8 vs LibTorch FP32 on %d held-out photos: SQNR %.2f dB, cosine %.4f, top-1 %.0f%%%n",
                    lt.samples(), lt.sqnrDb(), lt.cosine(), 100 * lt.top1());
            System.out.printf("fidelity: SQNR difference ONNX Runtime INT8 - LibTorch INT8 = %+.2f dB (target within 1 dB)%n",
                    onnx.sqnrDb() - lt.sqnrDb());
        }
        for (OrtSession x : s) x.close();
    }

    /** One thread, all graph optimizations; {@code optimizedOut}: where ONNX Runtime writes the graph it runs (or null). */
    static OrtSession session(OrtEnvironment env, String file, String optimizedOut) throws Exception {
        try (OrtSession.SessionOptions o = new OrtSession.SessionOptions()) {
            if (optimizedOut != null) o.setOptimizedModelFilePath(optimizedOut);
            o.setIntraOpNumThreads(1);
            o.setInterOpNumThreads(1);
            o.setOptimizationLevel(OrtSession.SessionOptions.OptLevel.ALL_OPT);
            return env.createSession(file, o);
        }
    }

    static FloatTensor run(OrtEnvironment env, OrtSession s, FloatTensor x) throws Exception {
        String in = s.getInputNames().iterator().next();
        try (OnnxTensor t = OnnxTensor.createTensor(env, FloatBuffer.wrap(x.data()), x.shape()); OrtSession.Result r = s.run(Map.of(in, t))) {
            OnnxTensor o = (OnnxTensor) r.get(0);
            FloatBuffer b = o.getFloatBuffer();
            float[] d = new float[b.remaining()];
            b.get(d);
            return new FloatTensor(o.getInfo().getShape(), d);
        }
    }

    static FloatTensor batched(FloatTensor x) {
        return x.dim() == 3 ? new FloatTensor(new long[]{1, x.size(0), x.size(1), x.size(2)}, x.data()) : x;
    }

    static float[] floats(Path p) throws Exception {
        ByteBuffer b = ByteBuffer.wrap(Files.readAllBytes(p)).order(ByteOrder.LITTLE_ENDIAN);
        float[] f = new float[b.remaining() / 4];
        b.asFloatBuffer().get(f);
        return f;
    }
}
