package org.edgetorch.bench;

import org.edgetorch.util.UserError;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/** Makes {@link BenchTarget}s from the {@code --model} specs of {@code bench}. */
public final class BenchTargets {
    /** The spec of the eager Java MobileNet-V2; anything else is a model file. */
    public static final String EAGER = "eager";

    private BenchTargets() {
    }

    /**
     * What a target may need besides its spec.
     *
     * @param seed    seed of the eager model's initialization
     * @param weights weights for the eager model, or null for seeded random ones
     */
    public record Context(long seed, Path weights) {
    }

    /** {@code eager}, or the path of a {@code .pt}/{@code .ptl} file. The file is checked when loaded. */
    public static BenchTarget create(String spec, Context context) {
        return create(spec, spec.equals(EAGER) ? EAGER : fileName(spec), context);
    }

    /** Several specs; repeated names get a suffix ({@code a.pt}, {@code a.pt#2}) so rows stay distinct. */
    public static List<BenchTarget> createAll(List<String> specs, Context context) {
        if (specs.isEmpty()) throw new UserError("no model to benchmark: give --model at least once");
        Map<String, Integer> seen = new HashMap<>();
        List<BenchTarget> out = new ArrayList<>();
        for (String spec : specs) {
            String base = spec.equals(EAGER) ? EAGER : fileName(spec);
            int k = seen.merge(base, 1, Integer::sum);
            out.add(create(spec, k == 1 ? base : base + "#" + k, context));
        }
        return out;
    }

    private static BenchTarget create(String spec, String name, Context context) {
        if (spec.isBlank()) throw new UserError("--model: empty model spec; use eager or a .pt/.ptl file");
        if (spec.equals(EAGER)) return eager(name, context);
        Path file = path(spec);
        if (!Files.exists(file)) {
            throw new UserError("--model " + spec + ": no such file (a model is 'eager' or a .pt/.ptl file)");
        }
        return new ScriptTarget(name, file);
    }

    /**
     * HOOK(eager): the lead wires the Java MobileNet-V2 ({@code org.edgetorch.nn.MobileNetV2}) here, e.g.
     * <pre>{@code
     * return new FunctionTarget<>(name, "eager", "org.edgetorch.nn.MobileNetV2 (seed " + context.seed() + ")",
     *         "MobileNetV2.forward on a prepared LibTorch tensor",
     *         () -> MobileNetV2.create(context.seed(), context.weights()),  // load: build + init weights
     *         (model, input) -> Tensors.toTorch(input),                     // prepare: not timed
     *         (model, x) -> model.forward(x),                               // the timed call
     *         out -> out.sum().item_double(),                               // fold into the sink
     *         model -> model.close());
     * }</pre>
     * Turn autograd off around it (see BytedecoForward) so eager and TorchScript are measured alike.
     */
    private static BenchTarget eager(String name, Context context) {
        throw new UserError("--model eager: the Java MobileNet-V2 is not wired into bench yet; give a .pt file");
    }

    private static String fileName(String spec) {
        Path p = path(spec).getFileName();
        return p == null ? spec : p.toString();
    }

    private static Path path(String spec) {
        try {
            return Path.of(spec);
        } catch (java.nio.file.InvalidPathException e) {
            throw new UserError("--model '" + spec + "': not a valid path (" + e.getReason() + ")");
        }
    }
}
