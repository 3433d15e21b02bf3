package org.edgetorch.runtime.tflite;

import org.bytedeco.tensorflowlite.global.tensorflowlite;
import org.edgetorch.runtime.Capability;
import org.edgetorch.runtime.Model;
import org.edgetorch.runtime.ModelFormat;
import org.edgetorch.runtime.Runtime;
import org.edgetorch.util.UserError;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.EnumSet;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Set;

/**
 * TensorFlow Lite (Bytedeco's presets over its C++ interpreter) as a {@link Runtime}: one interpreter per
 * model, {@code --threads} threads, the XNNPACK delegate unless switched off ({@code --no-xnnpack}, or per
 * load with {@link #load(Path, boolean)}: the study measures INT8 both ways in one process).
 */
public final class TfliteRuntime implements Runtime {
    /** Larger files are refused before anything reads them: a FlatBuffer addresses at most 2 GiB. */
    static final long MAX_FILE_BYTES = (2L << 30) - 1;

    private int threads = 1;
    private boolean xnnpack = true;

    @Override
    public String name() {
        return "tflite";
    }

    @Override
    public String version() {
        try {
            return tensorflowlite.TfLiteVersion().getString();
        } catch (RuntimeException | UnsatisfiedLinkError | NoClassDefFoundError e) {
            throw new UserError("TensorFlow Lite could not start on this machine: " + e.getMessage(), e);
        }
    }

    @Override
    public Set<ModelFormat> formats() {
        return EnumSet.of(ModelFormat.TFLITE);
    }

    @Override
    public boolean hasCapability(Capability c) {
        return switch (c) {
            case INT8, XNNPACK -> true; // Bytedeco's build links the XNNPACK delegate (BuiltinOpResolverWithXNNPACK)
            case QUANTIZED_ENGINES, NATIVE_TIMING_LOOP, JAVA_MODELS -> false;
        };
    }

    @Override
    public synchronized void setThreads(int n) {
        threads = n;
    }

    /** Whether models loaded from now on use the XNNPACK delegate (default: yes). */
    @Override
    public synchronized void setXnnpack(boolean on) {
        xnnpack = on;
    }

    public synchronized boolean xnnpack() {
        return xnnpack;
    }

    @Override
    public Model load(Path file) {
        return load(file, xnnpack());
    }

    /** Loads with the XNNPACK delegate on or off for this model only. */
    @Override
    public Model load(Path file, boolean withXnnpack) {
        return new TfliteModel(readChecked(file), file.toString(), threads, withXnnpack);
    }

    /** A model from bytes in memory (the exporter checks what it wrote before writing it). */
    public Model load(byte[] data, String source, boolean withXnnpack) {
        return new TfliteModel(data, source, threads, withXnnpack);
    }

    /** A regular, non-empty file of a size a FlatBuffer can be, read whole. */
    static byte[] readChecked(Path file) {
        if (!Files.exists(file)) throw new UserError(file + ": no such file");
        if (!Files.isRegularFile(file)) throw new UserError(file + ": not a regular file");
        try {
            long size = Files.size(file);
            if (size == 0) throw new UserError(file + ": empty file");
            if (size > MAX_FILE_BYTES) throw new UserError(file + ": " + size + " bytes, more than a TensorFlow Lite file can hold (2 GiB)");
            return Files.readAllBytes(file);
        } catch (IOException ex) {
            throw new UserError(file + ": cannot read it: " + ex.getMessage(), ex);
        }
    }

    @Override
    public Map<String, Object> details() {
        Map<String, Object> d = new LinkedHashMap<>();
        d.put("xnnpack", hasCapability(Capability.XNNPACK));
        d.put("xnnpack_default", xnnpack());
        d.put("schema_version", tensorflowlite.TfLiteSchemaVersion());
        d.put("threads", threads);
        return d;
    }
}
