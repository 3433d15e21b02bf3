package org.edgetorch.quant;

import com.google.gson.JsonArray;
import com.google.gson.JsonElement;
import com.google.gson.JsonObject;
import org.bytedeco.javacpp.PointerScope;
import org.bytedeco.pytorch.Tensor;
import org.bytedeco.pytorch.global.torch;
import org.edgetorch.backend.Backend;
import org.edgetorch.backend.Backends;
import org.edgetorch.backend.OneDnnGuard;
import org.edgetorch.graph.ModelGraph;
import org.edgetorch.graph.Node;
import org.edgetorch.graph.OpKind;
import org.edgetorch.util.Json;

import java.nio.file.Path;
import java.util.LinkedHashSet;
import java.util.Set;

/**
 * The weight packing of static quantization without the model ({@link OneDnnGuard}'s child): which
 * {@code quantized::conv2d_prepack} / {@code linear_prepack} calls {@link StaticEmitter} will make (weight shape, bias
 * or not, stride, padding, dilation, groups; each distinct call once), and those calls made again on random weights
 * of the same shapes. What oneDNN chooses while packing (its blocking) depends on the shapes, the engine, the weights'
 * quantization scheme and the thread count, not on the values.
 */
public final class PackProbe {
    private PackProbe() {
    }

    /** The plan of {@code g}'s packs as JSON: {@code {"per_tensor": b, "packs": [{"kind", "weight", "bias", ...}]}}. */
    static String plan(ModelGraph g, boolean perTensorWeights) {
        Set<String> seen = new LinkedHashSet<>();
        JsonArray packs = new JsonArray();
        for (Node n : g.nodes) {
            if (n.kind != OpKind.CONV && n.kind != OpKind.LINEAR) continue;
            JsonObject p = new JsonObject();
            p.addProperty("kind", n.kind == OpKind.CONV ? "conv" : "linear");
            p.add("weight", longs(n.weight.shape()));
            p.addProperty("bias", n.bias != null);
            if (n.kind == OpKind.CONV) {
                p.add("stride", longs(n.stride));
                p.add("padding", longs(n.padding));
                p.add("dilation", longs(n.dilation));
                p.addProperty("groups", n.groups);
            }
            if (seen.add(p.toString())) packs.add(p);
        }
        JsonObject o = new JsonObject();
        o.addProperty("per_tensor", perTensorWeights);
        o.add("packs", packs);
        return Json.write(o);
    }

    /**
     * Makes the plan's packs under {@code engine}, weights quantized as {@link Quantizer} would (per-channel where the
     * engine takes it and the plan does not ask for per-tensor). Returns how many packs were made.
     */
    public static int run(String engine, Path planFile) {
        Backend backend = Backends.get();
        QuantEngine e = QuantEngine.resolve(engine, backend);
        backend.setQuantizedEngine(e.id());
        JsonObject plan = Json.readFile(planFile, 64L << 20, "pack plan").getAsJsonObject();
        boolean perChannel = !plan.get("per_tensor").getAsBoolean() && WeightQuantizer.perChannelSupported(e);
        torch.manual_seed(0);
        int made = 0;
        for (JsonElement el : plan.getAsJsonArray("packs")) {
            JsonObject p = el.getAsJsonObject();
            try (PointerScope scope = new PointerScope()) {
                long[] shape = longs(p.getAsJsonArray("weight"));
                Tensor w = torch.randn(shape);
                Tensor bias = p.get("bias").getAsBoolean() ? torch.randn(shape[0]) : null;
                Tensor qw = perChannel ? WeightQuantizer.perChannel(w) : WeightQuantizer.perTensor(w);
                String where = "a " + p.get("kind").getAsString() + " of weight " + java.util.Arrays.toString(shape);
                if (p.get("kind").getAsString().equals("conv")) {
                    PackedWeights.conv2d(qw, bias, longs(p.getAsJsonArray("stride")), longs(p.getAsJsonArray("padding")),
                            longs(p.getAsJsonArray("dilation")), p.get("groups").getAsLong(), where);
                } else {
                    PackedWeights.linear(qw, bias, where);
                }
            }
            made++;
        }
        return made;
    }

    private static JsonArray longs(long[] v) {
        JsonArray a = new JsonArray();
        for (long x : v) a.add(x);
        return a;
    }

    private static long[] longs(JsonArray a) {
        long[] v = new long[a.size()];
        for (int i = 0; i < v.length; i++) v[i] = a.get(i).getAsLong();
        return v;
    }
}
