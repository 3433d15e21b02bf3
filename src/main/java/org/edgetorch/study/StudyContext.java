package org.edgetorch.study;

import org.edgetorch.backend.Backend;
import org.edgetorch.runtime.Model;
import org.edgetorch.image.ImageInput;
import org.edgetorch.image.ImageInputs;
import org.edgetorch.nn.TorchvisionModel;
import org.edgetorch.tensor.Agreement;
import org.edgetorch.tensor.FloatTensor;
import org.edgetorch.util.UserError;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/** What the stages share and add to while the study runs. */
public final class StudyContext {
    private final StudyOptions options;
    private final Backend backend;
    private final Progress progress;
    private final LatencyMeter meter;
    private final List<ImageInput> heldOut;
    private final List<ImageInput> calibration;
    private final List<StudyModel> models = new ArrayList<>();
    private final List<Latency> latency = new ArrayList<>();
    private final List<String> notes = new ArrayList<>();
    private final Map<String, Object> verification = new LinkedHashMap<>();
    private TorchvisionModel eager;
    private StudyResult.ModelInfo modelInfo;
    private double eagerBuildMs;
    private FloatTensor heldOutBatch;
    private FloatTensor reference;
    private PythonResult python;
    private int[] labels;
    private String labelsHow;
    private final Map<String, org.edgetorch.tensor.Accuracy> accuracy = new LinkedHashMap<>();

    StudyContext(StudyOptions options, Backend backend, Progress progress, LatencyMeter meter, List<ImageInput> heldOut,
                 List<ImageInput> calibration) {
        this.options = options;
        this.backend = backend;
        this.progress = progress;
        this.meter = meter;
        this.heldOut = List.copyOf(heldOut);
        this.calibration = List.copyOf(calibration);
    }

    public StudyOptions options() {
        return options;
    }

    public Backend backend() {
        return backend;
    }

    public Progress progress() {
        return progress;
    }

    public LatencyMeter meter() {
        return meter;
    }

    /** The held-out photos (never used for calibration) every agreement figure is computed on. */
    public List<ImageInput> heldOut() {
        return heldOut;
    }

    /** The photos static INT8 is calibrated on: all of {@code --calib}, or the bundled calibration photos. */
    public List<ImageInput> calibration() {
        return calibration;
    }

    /** Where an artifact of this study goes: {@code <models>/<arch>_<suffix>}. */
    public Path artifact(String suffix) {
        return options.modelsDir().resolve(options.modelName() + "_" + suffix);
    }

    /** The FP32 eager Java model; set by the model stage, which also computes the reference logits. */
    public TorchvisionModel eager() {
        if (eager == null) throw new IllegalStateException("the model stage has not run");
        return eager;
    }

    /** Whether there is an eager Java model (a built-in architecture); not with {@code --model FILE}. */
    public boolean hasEager() {
        return eager != null;
    }

    void setEager(TorchvisionModel model, double buildMs) {
        this.eager = model;
        this.eagerBuildMs = buildMs;
        this.heldOutBatch = ImageInputs.batch(heldOut);
        this.reference = model.forward(heldOutBatch);
        this.modelInfo = new StudyResult.ModelInfo(model.architecture().name(), model.architecture().parameterCount(),
                model.trained(), model.origin(), options.seed(), options.weights() == null ? null : options.weights().toString());
    }

    /** The user's FP32 TorchScript model ({@code --model}) as the reference every variant is compared with. */
    void setFileModel(Model fp32, StudyResult.ModelInfo info) {
        this.heldOutBatch = ImageInputs.batch(heldOut);
        this.reference = fp32.forward(heldOutBatch);
        if (reference.dim() != 2 || reference.size(0) != heldOutBatch.size(0)) {
            throw new UserError(fp32.source() + ": a study needs a classifier returning [N, classes] logits; it returns "
                    + reference.shapeString() + " for " + heldOutBatch.shapeString() + " images");
        }
        this.modelInfo = info;
    }

    /** The reference's agreement with itself: the {@code --model} file's, whose logits are the reference. */
    Agreement referenceAgreement() {
        if (reference == null) throw new IllegalStateException("the model stage has not run");
        return Agreement.of(reference, reference);
    }

    /** What the report says about the studied model; set by the model stage. */
    public StudyResult.ModelInfo modelInfo() {
        if (modelInfo == null) throw new IllegalStateException("the model stage has not run");
        return modelInfo;
    }

    public double eagerBuildMs() {
        return eagerBuildMs;
    }

    /** A model's logits on the held-out photos against FP32 eager's. */
    public Agreement agreementWithFp32(Model model) {
        if (reference == null) throw new IllegalStateException("the model stage has not run");
        FloatTensor out = model.forward(heldOutBatch);
        if (out.dim() != 2 || out.size(0) != reference.size(0) || out.size(1) != reference.size(1)) {
            throw new UserError(model.source() + ": output " + out.shapeString() + " does not match FP32 eager's "
                    + reference.shapeString());
        }
        return Agreement.of(reference, out);
    }

    /** The true classes of the held-out images (labelled --eval), or null. */
    public int[] labels() {
        return labels;
    }

    public String labelsHow() {
        return labelsHow;
    }

    void setLabels(int[] labels, String how) {
        this.labels = labels.clone();
        this.labelsHow = how;
    }

    /** Top-1/top-5 of a model on the labelled held-out images. */
    public org.edgetorch.tensor.Accuracy accuracyOf(Model model) {
        if (labels == null) throw new IllegalStateException("no labelled images");
        if (heldOutBatch == null) throw new IllegalStateException("the model stage has not run");
        return org.edgetorch.tensor.Accuracy.of(model.forward(heldOutBatch), labels);
    }

    void addAccuracy(String variant, org.edgetorch.tensor.Accuracy a) {
        accuracy.put(variant, a);
    }

    public Map<String, org.edgetorch.tensor.Accuracy> accuracy() {
        return new LinkedHashMap<>(accuracy);
    }

    public void addModel(StudyModel model) {
        for (StudyModel m : models) {
            if (m.variant().id().equals(model.variant().id())) {
                throw new IllegalStateException("variant " + model.variant().id() + " added twice");
            }
        }
        models.add(model);
    }

    public List<StudyModel> models() {
        return List.copyOf(models);
    }

    public StudyModel model(String variantId) {
        return models.stream().filter(m -> m.variant().id().equals(variantId)).findFirst().orElse(null);
    }

    public void addLatency(List<Latency> results) {
        latency.addAll(results);
    }

    public List<Latency> latency() {
        return List.copyOf(latency);
    }

    /** A sentence for the report's notes section. */
    public void note(String text) {
        notes.add(text);
    }

    public List<String> notes() {
        return List.copyOf(notes);
    }

    /** Verification results by what was verified (e.g. {@code fp32-torchscript}), as report.json shows them. */
    public Map<String, Object> verification() {
        return verification;
    }

    public PythonResult python() {
        return python;
    }

    void setPython(PythonResult python) {
        this.python = python;
    }
}
