package org.edgetorch.crosscheck;

import org.edgetorch.tensor.Agreement;
import org.edgetorch.tensor.FloatTensor;
import org.edgetorch.util.UserError;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * Compares two {@code --save-io} files (a reference machine, usually x86, and another, usually an ARM
 * board), per model variant:
 * <ul>
 *   <li><b>model</b> difference: outputs on bit-identical input tensors (the other machine replayed the
 *   reference's tensors with {@code --replay}, or both preprocessed an image to the same bits);</li>
 *   <li><b>end-to-end</b> difference: outputs on each machine's own preprocessing of the same image;</li>
 *   <li>latency: the other machine's median over the reference's.</li>
 * </ul>
 * and once for all variants, the <b>preprocessing</b> difference: the input tensors each machine made from
 * the same image.
 */
public final class CrossComparison {
    private CrossComparison() {
    }

    /** Input tensors of one image on both machines. */
    public record InputDiff(String image, boolean identical, double maxAbsDiff, double meanAbsDiff) {
    }

    /**
     * @param model       agreement on identical inputs (null when no pair exists)
     * @param endToEnd    agreement on each machine's own preprocessing (null when no image is on both sides)
     * @param latencyRatio other median / reference median (NaN when either lacks latency)
     * @param problems    why the variant fails the bounds (empty: within bounds)
     * @param notes       what could not be compared, and why
     */
    public record VariantResult(String name, boolean quantized, Agreement model, Agreement endToEnd,
                                Double refMedianMs, Double otherMedianMs, double latencyRatio,
                                Double refRatioToFirst, Double otherRatioToFirst,
                                List<String> problems, List<String> notes) {
    }

    public record Result(Map<String, Object> reference, Map<String, Object> other, List<InputDiff> preprocessing,
                         List<VariantResult> variants, List<String> problems) {
        public boolean withinBounds() {
            return problems.isEmpty();
        }
    }

    public static Result compare(IoFile ref, IoFile other, Bounds bounds) {
        List<InputDiff> pre = preprocessing(ref, other);
        List<VariantResult> results = new ArrayList<>();
        List<String> problems = new ArrayList<>();
        Set<String> names = new LinkedHashSet<>();
        for (IoFile.Variant v : ref.variants()) names.add(v.name());
        for (IoFile.Variant v : other.variants()) names.add(v.name());
        Double refFirst = firstMedian(ref), otherFirst = firstMedian(other);
        for (String name : names) {
            VariantResult r = variant(name, ref, other, bounds, refFirst, otherFirst);
            results.add(r);
            for (String p : r.problems()) problems.add(name + ": " + p);
        }
        if (names.isEmpty()) problems.add("no model variant in either file");
        return new Result(ref.machine(), other.machine(), pre, results, problems);
    }

    static List<InputDiff> preprocessing(IoFile ref, IoFile other) {
        List<InputDiff> out = new ArrayList<>();
        for (IoFile.Input a : ref.inputs()) {
            if (!a.origin().equals("image")) continue;
            IoFile.Input b = other.input(a.id());
            if (b == null || !b.origin().equals("image")) continue;
            if (a.sha256().equals(b.sha256())) {
                out.add(new InputDiff(a.id(), true, 0, 0));
                continue;
            }
            float[] x = a.tensor().data(), y = b.tensor().data();
            if (x.length != y.length) {
                out.add(new InputDiff(a.id(), false, Double.POSITIVE_INFINITY, Double.POSITIVE_INFINITY));
                continue;
            }
            double max = 0, sum = 0;
            for (int i = 0; i < x.length; i++) {
                double d = Math.abs((double) x[i] - y[i]);
                max = Math.max(max, d);
                sum += d;
            }
            out.add(new InputDiff(a.id(), false, max, sum / x.length));
        }
        return out;
    }

    private static VariantResult variant(String name, IoFile ref, IoFile other, Bounds bounds, Double refFirst, Double otherFirst) {
        IoFile.Variant a = ref.variant(name), b = other.variant(name);
        boolean q = Bounds.quantized(name);
        List<String> problems = new ArrayList<>();
        List<String> notes = new ArrayList<>();
        if (a == null || b == null) {
            // a variant on one side only cannot be checked: that is a failure, not a pass (README, compare)
            problems.add("only in the " + (a == null ? "other" : "reference") + " file");
            return new VariantResult(name, q, null, null, null, null, Double.NaN, null, null, problems, notes);
        }
        if (a.file() != null && b.file() != null && a.file().sha256() != null && b.file().sha256() != null
                && !a.file().sha256().equals(b.file().sha256())) {
            problems.add("the two machines ran different files (SHA-256 " + a.file().sha256().substring(0, 12) + "... vs "
                    + b.file().sha256().substring(0, 12) + "...)");
        }
        IoFile.ModelFile f = b.file() != null ? b.file() : a.file();
        String note = f == null ? null : fileNote(f, other.machine());
        if (note != null) notes.add(note);
        if (a.error() != null) problems.add("did not run on the reference machine: " + a.error());
        if (b.error() != null) problems.add("did not run on the other machine: " + b.error());
        Agreement model = agreement(modelPairs(ref, a, other, b));
        Agreement e2e = agreement(endToEndPairs(ref, a, other, b));
        if (model == null && a.error() == null && b.error() == null) {
            notes.add("no identical input on both machines: run the other machine with --replay <reference file>");
        }
        if (model != null) {
            if (!q && !(model.maxAbsDiff() <= bounds.maxAbsDiff())) { // NaN fails too
                problems.add(String.format("max abs logit difference %.3g > %.3g", model.maxAbsDiff(), bounds.maxAbsDiff()));
            }
            double minCos = q ? bounds.int8MinCosine() : bounds.minCosine();
            if (!(model.cosine() >= minCos)) problems.add(String.format("cosine %.6f < %.6f", model.cosine(), minCos));
            double minTop1 = q ? bounds.int8MinTop1() : bounds.minTop1();
            if (!(model.top1() >= minTop1)) problems.add(String.format("top-1 agreement %.3f < %.3f", model.top1(), minTop1));
        }
        Double ra = a.latency() == null ? null : a.latency().medianMs();
        Double rb = b.latency() == null ? null : b.latency().medianMs();
        double ratio = ra != null && rb != null && ra > 0 ? rb / ra : Double.NaN;
        Double refToFirst = ra != null && refFirst != null && refFirst > 0 ? ra / refFirst : null;
        Double otherToFirst = rb != null && otherFirst != null && otherFirst > 0 ? rb / otherFirst : null;
        return new VariantResult(name, q, model, e2e, ra, rb, ratio, refToFirst, otherToFirst, problems, notes);
    }

    /**
     * The file's version records next to what the other machine's LibTorch reads, when it says; null for a
     * file that is not a LibTorch archive (an ONNX file has no such records).
     */
    static String fileNote(IoFile.ModelFile f, java.util.Map<String, Object> otherMachine) {
        if (f.formatVersion() < 0 && f.bytecodeVersion() < 0) return null;
        StringBuilder s = new StringBuilder("file format version ").append(f.formatVersion());
        if (f.bytecodeVersion() >= 0) s.append(", bytecode version ").append(f.bytecodeVersion());
        if (f.quantizedEngine() != null) s.append(", packed for ").append(f.quantizedEngine());
        Object maxB = otherMachine.get("max_bytecode"), maxF = otherMachine.get("max_file_format");
        if (maxB != null || maxF != null) {
            s.append("; the other machine's LibTorch ").append(otherMachine.get("libtorch")).append(" reads format up to ")
                    .append(maxF).append(f.bytecodeVersion() >= 0 ? ", bytecode up to " + maxB : "");
        }
        return s.toString();
    }

    private static Double firstMedian(IoFile f) {
        for (IoFile.Variant v : f.variants()) if (v.latency() != null) return v.latency().medianMs();
        return null;
    }

    record Pair(FloatTensor ref, FloatTensor other) {
    }

    /**
     * Outputs on bit-identical input tensors: a replay on one side of the other's input, or the same input
     * id with the same SHA-256 on both sides. Each distinct tensor counts once.
     */
    static List<Pair> modelPairs(IoFile ref, IoFile.Variant a, IoFile other, IoFile.Variant b) {
        Map<String, Pair> bySha = new LinkedHashMap<>();
        for (IoFile.Output oa : a.outputs()) {
            IoFile.Input ia = ref.input(oa.input());
            if (ia == null) continue;
            for (IoFile.Output ob : b.outputs()) {
                IoFile.Input ib = other.input(ob.input());
                if (ib == null || !ia.sha256().equals(ib.sha256()) || bySha.containsKey(ia.sha256())) continue;
                boolean same = ia.id().equals(ib.id())
                        || ib.origin().equals("replay") && ia.id().equals(ib.replayOf())
                        || ia.origin().equals("replay") && ib.id().equals(ia.replayOf());
                if (same) bySha.put(ia.sha256(), new Pair(oa.tensor(), ob.tensor()));
            }
        }
        return new ArrayList<>(bySha.values());
    }

    /** Outputs on each machine's own preprocessing of the same image (ids equal, both of origin image). */
    static List<Pair> endToEndPairs(IoFile ref, IoFile.Variant a, IoFile other, IoFile.Variant b) {
        List<Pair> out = new ArrayList<>();
        for (IoFile.Output oa : a.outputs()) {
            IoFile.Input ia = ref.input(oa.input());
            IoFile.Input ib = other.input(oa.input());
            IoFile.Output ob = b.output(oa.input());
            if (ia == null || ib == null || ob == null || !ia.origin().equals("image") || !ib.origin().equals("image")) continue;
            out.add(new Pair(oa.tensor(), ob.tensor()));
        }
        return out;
    }

    /** Stacks the pairs' outputs into [N, classes] and measures their agreement; null without pairs. */
    static Agreement agreement(List<Pair> pairs) {
        if (pairs.isEmpty()) return null;
        int cols = -1;
        for (Pair p : pairs) {
            int n = p.ref().data().length;
            if (p.other().data().length != n) {
                throw new UserError("output shapes differ between the machines: " + p.ref().shapeString() + " vs " + p.other().shapeString());
            }
            if (cols < 0) cols = n;
            else if (cols != n) throw new UserError("outputs of one variant differ in size from input to input");
        }
        float[] r = new float[pairs.size() * cols], o = new float[pairs.size() * cols];
        for (int i = 0; i < pairs.size(); i++) {
            System.arraycopy(pairs.get(i).ref().data(), 0, r, i * cols, cols);
            System.arraycopy(pairs.get(i).other().data(), 0, o, i * cols, cols);
        }
        long[] shape = {pairs.size(), cols};
        return Agreement.of(new FloatTensor(shape, r), new FloatTensor(shape, o));
    }
}
