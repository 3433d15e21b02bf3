package org.edgetorch.quant;

import org.bytedeco.javacpp.PointerScope;
import org.bytedeco.pytorch.ExtraFilesMap;
import org.bytedeco.pytorch.IValue;
import org.bytedeco.pytorch.IValueVector;
import org.bytedeco.pytorch.JitModule;
import org.bytedeco.pytorch.StringVectorOptional;
import org.bytedeco.pytorch.Tensor;
import org.bytedeco.pytorch.global.torch;
import org.edgetorch.backend.Backend;
import org.edgetorch.backend.Backends;
import org.edgetorch.backend.ModelFiles;
import org.edgetorch.backend.OneDnnGuard;
import org.edgetorch.graph.Activation;
import org.edgetorch.graph.GraphPasses;
import org.edgetorch.graph.ModelGraph;
import org.edgetorch.graph.Node;
import org.edgetorch.graph.QParams;
import org.edgetorch.jit.ModelGraphReader;
import org.edgetorch.tensor.FloatTensor;
import org.edgetorch.tensor.Tensors;
import org.edgetorch.util.AtomicFiles;
import org.edgetorch.util.UserError;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Post-training INT8 quantization of a TorchScript CNN, built in Java over LibTorch's IR (the presets
 * do not map LibTorch's graph-mode quantization passes).
 *
 * <p>Static: freeze; read the graph; fold BatchNorm into convolutions; fuse ReLU / ReLU6 / clamps into
 * the op before them; calibrate activation ranges on sample inputs; quantize weights to int8
 * (per-channel symmetric where the engine takes it) and prepack them under the chosen engine; emit
 * quantized ops; save. Dynamic: freeze, and replace each {@code aten::linear} by
 * {@code quantized::linear_dynamic} on prepacked int8 weights (activations quantized on the fly), as
 * PyTorch's {@code quantize_dynamic} does. Nothing is written unless everything before succeeded.
 *
 * <p>Both leave the chosen engine selected in LibTorch (process-wide), so the returned in-memory state
 * and a later load of the file run on the same kernels.
 */
public final class Quantizer {

    /** Options of static quantization. */
    public record StaticOptions(String engine, ObserverKind observer, boolean perTensorWeights) {
        public StaticOptions {
            if (observer == null) observer = ObserverKind.MINMAX;
        }
    }

    /** Calibration inputs used for the self-check SQNR in the result (the first few). */
    private static final int SELF_CHECK_INPUTS = 4;

    private Quantizer() {
    }

    public static QuantizationResult quantizeStatic(Path in, Path out, String engine, List<FloatTensor> calibration,
                                                    ObserverKind observer) {
        return quantizeStatic(in, out, new StaticOptions(engine, observer, false), calibration, CalibrationProgress.NONE);
    }

    public static QuantizationResult quantizeStatic(Path in, Path out, StaticOptions options, List<FloatTensor> calibration,
                                                    CalibrationProgress progress) {
        StaticModel m = buildStatic(in, options, calibration, progress);
        Map<String, Object> meta = new LinkedHashMap<>();
        meta.put("observer", options.observer().id());
        meta.put("weights", m.perChannel() ? "int8 per-channel symmetric" : "int8 per-tensor symmetric");
        meta.put("activations", "quint8 [0, " + m.engine().activationQmax() + "]");
        meta.put("calibration_inputs", calibration.size());
        meta.put("source", in.getFileName().toString());
        save(m.module(), out, in, QuantizedArchive.metadata("static", m.engine().id(), meta));
        // loading it packs the same weights again, which the guard has just seen go through
        OneDnnGuard.markLoadable(out, m.engine().id());
        StaticEmitter.Emitted e = m.emitted();
        return new QuantizationResult(out, "static", m.engine().id(), options.observer().id(), m.perChannel(),
                m.engine().activationQmax(), size(in), size(out), e.convs(), e.linears(), e.adds(), m.fusedActivations(),
                e.explicitClamps(), calibration.size(), m.calibrationMillis(), m.calibrationSqnrDb(), e.floatIslands());
    }

    /** A statically quantized module in memory, before it is saved. */
    record StaticModel(JitModule module, ModelGraph graph, Map<Integer, QParams> qparams, QuantEngine engine, boolean perChannel,
                       StaticEmitter.Emitted emitted, int fusedActivations, long calibrationMillis, double calibrationSqnrDb) {
    }

    /**
     * A calibrated model: the folded and fused float graph ({@link GraphPasses#prepare}) and the uint8
     * parameters of each of its values ({@link #activationQParams}), from {@code inputs} calibration inputs.
     */
    public record Calibration(ModelGraph graph, Map<Integer, QParams> activations, ObserverKind observer, long activationQmax,
                              int inputs, long millis) {
    }

    /**
     * Reads, prepares and calibrates the FP32 TorchScript file {@code in} for activations on uint8
     * [0, {@code activationQmax}]; {@code action} ("quantize", "export to ONNX") words the errors. This is
     * the part of static quantization that every INT8 writer shares: LibTorch's emitter and the ONNX writer
     * quantize the same calibration.
     */
    public static Calibration calibrate(Path in, List<FloatTensor> calibration, ObserverKind observer, long activationQmax,
                                        String action, CalibrationProgress progress) {
        if (calibration == null || calibration.isEmpty()) throw new UserError("static quantization needs at least one calibration input");
        for (FloatTensor t : calibration) checkImageShape(t);
        JitModule frozen = loadFrozen(in);
        ModelGraph g = ModelGraphReader.read(frozen.get_method("forward").graph(), readShape(calibration.get(0)), action);
        GraphPasses.prepare(g, action);
        checkInterpreterMatches(frozen, g, calibration.get(0), in);
        long t0 = System.nanoTime();
        Map<Integer, ActivationObserver> observers = Calibrator.calibrate(g, calibration, observer, progress);
        long millis = (System.nanoTime() - t0) / 1_000_000;
        return new Calibration(g, activationQParams(g, observers, observer, activationQmax), observer, activationQmax,
                calibration.size(), millis);
    }

    /** Everything of static quantization but saving; leaves the engine selected. */
    static StaticModel buildStatic(Path in, StaticOptions options, List<FloatTensor> calibration, CalibrationProgress progress) {
        Backend backend = Backends.get();
        QuantEngine engine = QuantEngine.resolve(options.engine(), backend);
        Calibration c = calibrate(in, calibration, options.observer(), engine.activationQmax(), "quantize", progress);
        // where oneDNN may abort the process while packing (OneDnnCaches), a child JVM packs the same shapes first
        OneDnnGuard.checkPacking(in, engine.id(), () -> PackProbe.plan(c.graph(), options.perTensorWeights()));
        backend.setQuantizedEngine(engine.id());
        ModelGraph g = c.graph();
        Map<Integer, QParams> qparams = c.activations();

        boolean perChannel = !options.perTensorWeights() && WeightQuantizer.perChannelSupported(engine);
        StaticEmitter.Emitted e;
        try {
            e = StaticEmitter.emit(g, qparams, perChannel, engine);
        } catch (UserError err) {
            throw err;
        } catch (RuntimeException err) {
            throw new UserError("building the quantized module failed: " + ModelFiles.firstLine(err.getMessage()), err);
        }
        double sqnr = selfCheck(e.module(), g, calibration);
        int fused = (int) g.nodes.stream().filter(n -> n.fused != null).count();
        return new StaticModel(e.module(), g, qparams, engine, perChannel, e, fused, c.millis(), sqnr);
    }

    public static QuantizationResult quantizeDynamic(Path in, Path out) {
        return quantizeDynamic(in, out, null);
    }

    /** Dynamic quantization of every linear layer; {@code engine} null keeps LibTorch's current (default) engine. */
    public static QuantizationResult quantizeDynamic(Path in, Path out, String engine) {
        Backend backend = Backends.get();
        QuantEngine e = engine == null ? currentEngine(backend) : QuantEngine.resolve(engine, backend);
        JitModule frozen = loadFrozen(in);
        backend.setQuantizedEngine(e.id());
        boolean perChannel = WeightQuantizer.perChannelSupported(e);
        int linears = DynamicRewriter.rewrite(frozen, perChannel, e.reduceRange());
        if (linears == 0) throw new UserError(in + ": no aten::linear with constant weights to quantize dynamically");
        Map<String, Object> meta = new LinkedHashMap<>();
        meta.put("weights", perChannel ? "int8 per-channel symmetric" : "int8 per-tensor symmetric");
        meta.put("activations", "quantized on the fly" + (e.reduceRange() ? " (reduce_range)" : ""));
        meta.put("source", in.getFileName().toString());
        save(frozen, out, in, QuantizedArchive.metadata("dynamic", e.id(), meta));
        return new QuantizationResult(out, "dynamic", e.id(), null, perChannel, 0, size(in), size(out), 0, linears, 0, 0, 0,
                0, 0, Double.NaN, List.of());
    }

    /** The engine LibTorch has selected now (its default until someone sets one). */
    static QuantEngine currentEngine(Backend backend) {
        int current = torch.globalContext().qEngine().value;
        for (torch.QEngine k : torch.QEngine.values()) {
            if (k.value == current && k != torch.QEngine.NoQEngine) return QuantEngine.resolve(k.name(), backend);
        }
        List<String> have = backend.quantizedEngines();
        if (have.isEmpty()) throw new UserError("this LibTorch has no quantized engine");
        return QuantEngine.resolve(have.get(0), backend);
    }

    // ---- steps ----

    private static JitModule loadFrozen(Path in) {
        JitModule m = ModelFiles.loadChecked(in);
        try {
            // optimize_numerics=false: BatchNorm folding and fusion are ours, done in double precision
            return torch.freeze(m, new StringVectorOptional(), false);
        } catch (RuntimeException e) {
            throw new UserError(in + ": torch.freeze failed: " + ModelFiles.firstLine(e.getMessage()), e);
        }
    }

    /** The batch-1 NCHW shape of a calibration input: the shape the model graph is read for. */
    private static long[] readShape(FloatTensor t) {
        long[] s = t.shape();
        return s.length == 4 ? new long[]{1, s[1], s[2], s[3]} : new long[]{1, s[0], s[1], s[2]};
    }

    private static void checkImageShape(FloatTensor t) {
        boolean ok = t.dim() == 4 && t.size(0) >= 1 || t.dim() == 3;
        if (!ok) throw new UserError("calibration inputs must be [C, H, W] or [N, C, H, W] tensors, got " + t.shapeString());
    }

    /**
     * Guards the reader: the folded float graph must compute what TorchScript computes (up to float
     * rounding of the BatchNorm fold), or the quantized model would silently be a different network.
     */
    private static void checkInterpreterMatches(JitModule frozen, ModelGraph g, FloatTensor sample, Path in) {
        try (PointerScope scope = new PointerScope()) {
            Tensor x = Calibrator.batched(Tensors.toTorch(sample));
            Tensor expected;
            try {
                expected = frozen.forward(new IValueVector(new IValue(x))).toTensor();
            } catch (RuntimeException e) {
                throw new UserError(in + ": forward failed on a calibration input of shape " + sample.shapeString() + ": "
                        + ModelFiles.firstLine(e.getMessage()), e);
            }
            Tensor got = FloatInterpreter.run(g, x, null);
            double scale = Math.max(expected.abs().max().item_float(), 1e-6f);
            double diff = got.sub(expected).abs().max().item_float();
            if (!(diff <= 1e-3 * scale + 1e-5)) {
                throw new IllegalStateException("internal: the quantizer's reading of " + in + " differs from TorchScript by "
                        + diff + " (max |output| " + scale + ")");
            }
        }
    }

    /**
     * Activation parameters per observed value: the observer's range, narrowed to a fused clamp's
     * bounds, widened to contain 0, on uint8 [0, 255] or [0, 127] with reduce_range. Values that no
     * op requantizes (pools, flatten, standalone clamps) inherit their input's parameters.
     */
    /** uint8 parameters of a value in [0, 1]: scale 1/256, zero point 0. */
    public static final QParams UNIT_RANGE = new QParams(1.0 / 256, 0, 0, 255);

    static Map<Integer, QParams> activationQParams(ModelGraph g, Map<Integer, ActivationObserver> observers, ObserverKind kind,
                                                   long qmax) {
        Map<Integer, QParams> q = new HashMap<>();
        Map<Integer, Activation> fused = new HashMap<>();
        for (Node n : g.nodes) {
            if (n.fused != null) fused.put(n.output, n.fused);
        }
        for (Map.Entry<Integer, ActivationObserver> en : observers.entrySet()) {
            RangeSearch.Range r = en.getValue().range(kind, qmax);
            double lo = r.min(), hi = r.max();
            Activation a = fused.get(en.getKey());
            if (a != null) {
                lo = Math.max(lo, a.min());
                hi = Math.min(hi, a.max());
            }
            q.put(en.getKey(), QParams.affine(lo, hi, 0, qmax));
        }
        for (Node n : g.nodes) {
            // sigmoid-like outputs lie in [0, 1] whatever the input: PyTorch's fixed parameters, which LibTorch's
            // quantized kernels impose and TFLite's LOGISTIC requires (shifted onto int8)
            if (n.kind.hasUnitRange()) q.put(n.output, UNIT_RANGE);
            if (!n.requantizes()) q.put(n.output, q.get(n.inputs[0]));
        }
        return q;
    }

    /** Runs the new module on a few calibration inputs: kernels that reject the model fail here, before saving. */
    private static double selfCheck(JitModule module, ModelGraph g, List<FloatTensor> calibration) {
        double signal = 0, noise = 0;
        for (int i = 0; i < Math.min(SELF_CHECK_INPUTS, calibration.size()); i++) {
            try (PointerScope scope = new PointerScope()) {
                Tensor x = Calibrator.batched(Tensors.toTorch(calibration.get(i)));
                Tensor ref = FloatInterpreter.run(g, x, null);
                Tensor q;
                try {
                    q = module.forward(new IValueVector(new IValue(x))).toTensor();
                } catch (RuntimeException e) {
                    throw new UserError("the quantized model failed to run: " + ModelFiles.firstLine(e.getMessage()), e);
                }
                signal += ref.pow(new org.bytedeco.pytorch.Scalar(2)).sum().item_double();
                noise += ref.sub(q).pow(new org.bytedeco.pytorch.Scalar(2)).sum().item_double();
            }
        }
        return Fidelity.sqnrDb(signal, noise);
    }

    /** Saves through the one output writer: no half-written file on failure, a full disk one message. */
    static void save(JitModule module, Path out, String metadataJson) {
        save(module, out, null, metadataJson);
    }

    /**
     * {@code in}: the float model, whose weights' provenance is carried over and whose size bounds the
     * archive's (checked against free space where the write cannot go through a pipe); may be null.
     */
    static void save(JitModule module, Path out, Path in, String metadataJson) {
        long expectedBytes = in == null ? 0 : 2 * size(in);
        java.util.Optional<String> provenance = in == null ? java.util.Optional.empty()
                : org.edgetorch.backend.WeightsProvenance.text(in);
        ExtraFilesMap extra = new ExtraFilesMap();
        extra.put(new org.bytedeco.javacpp.BytePointer(QuantizedArchive.EXTRA_FILE), metadataJson);
        provenance.ifPresent(p -> extra.put(new org.bytedeco.javacpp.BytePointer(
                org.edgetorch.backend.WeightsProvenance.EXTRA_FILE), p));
        AtomicFiles.writeNative(out, expectedBytes, file -> {
            try {
                module.save(file.toString(), extra);
            } catch (RuntimeException e) {
                throw new UserError("saving " + out + " failed: " + ModelFiles.firstLine(e.getMessage()), e);
            }
        }, null);
    }

    private static long size(Path p) {
        try {
            return Files.size(p);
        } catch (IOException e) {
            return -1;
        }
    }
}
