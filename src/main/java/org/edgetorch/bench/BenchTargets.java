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
    /**
     * The spec of the eager Java MobileNet-V2 ({@code eager:ARCH} for another architecture); anything
     * else is a model file (a file named {@code eager} is {@code ./eager}).
     */
    public static final String EAGER = "eager";

    private BenchTargets() {
    }

    /**
     * What a target may need besides its spec.
     *
     * @param architecture the eager model's architecture when the spec is plain {@code eager}
     * @param seed         seed of the eager model's initialization
     * @param weights      torchvision state dict for the eager model, or null for the seeded initialization
     */
    public record Context(String architecture, long seed, Path weights) {
        /** MobileNet-V2. */
        public Context(long seed, Path weights) {
            this("mobilenet_v2", seed, weights);
        }
    }

    /**
     * {@code eager} (the Java MobileNet-V2), {@code eager:ARCH} (another built-in architecture), or the
     * path of a {@code .pt}/{@code .ptl} file. The file is checked when loaded.
     */
    public static BenchTarget create(String spec, Context context) {
        return create(spec, baseName(spec), context);
    }

    /** Whether a spec names the eager Java model rather than a file. */
    public static boolean isEager(String spec) {
        return spec.equals(EAGER) || spec.startsWith(EAGER + ":");
    }

    private static String baseName(String spec) {
        if (spec.startsWith(ServingTarget.PREFIX)) return ServingTarget.PREFIX + fileName(spec.substring(ServingTarget.PREFIX.length()));
        return isEager(spec) ? spec : fileName(spec);
    }

    /** Several specs; repeated names get a suffix ({@code a.pt}, {@code a.pt#2}) so rows stay distinct. */
    public static List<BenchTarget> createAll(List<String> specs, Context context) {
        if (specs.isEmpty()) throw new UserError("no model to benchmark: give --model at least once");
        Map<String, Integer> seen = new HashMap<>();
        List<BenchTarget> out = new ArrayList<>();
        for (String spec : specs) {
            String base = baseName(spec);
            int k = seen.merge(base, 1, Integer::sum);
            out.add(create(spec, k == 1 ? base : base + "#" + k, context));
        }
        return out;
    }

    private static BenchTarget create(String spec, String name, Context context) {
        if (spec.isBlank()) throw new UserError("--model: empty model spec; use eager or a .pt/.ptl/.onnx file");
        if (isEager(spec)) return eager(spec, name, context);
        boolean serving = spec.startsWith(ServingTarget.PREFIX);
        Path file = path(serving ? spec.substring(ServingTarget.PREFIX.length()) : spec);
        if (!Files.exists(file)) {
            throw new UserError("--model " + spec + ": no such file (a model is 'eager' or a .pt/.ptl/.onnx file)");
        }
        return serving ? new ServingTarget(name, file) : new ModelTarget(name, file);
    }

    /** {@code eager} (the context's architecture) or {@code eager:ARCH} (mobilenet_v2, resnet18). */
    private static BenchTarget eager(String spec, String name, Context context) {
        String arch = spec.equals(EAGER) ? context.architecture() : spec.substring(EAGER.length() + 1);
        return new EagerTarget(name, arch, context.weights(), context.seed());
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
