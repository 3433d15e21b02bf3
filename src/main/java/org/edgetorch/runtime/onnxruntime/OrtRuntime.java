package org.edgetorch.runtime.onnxruntime;

import ai.onnxruntime.OrtEnvironment;
import ai.onnxruntime.OrtException;
import ai.onnxruntime.OrtLoggingLevel;
import ai.onnxruntime.OrtProvider;
import ai.onnxruntime.OrtSession;
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
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * ONNX Runtime (Microsoft's Java API over its bundled natives) as a {@link Runtime}: one session per
 * model, sequential execution, all graph optimizations, {@code --threads} intra-op threads and one
 * inter-op thread.
 */
public final class OrtRuntime implements Runtime {
    /** Larger files are refused before ONNX Runtime reads them: protobuf's own limit is 2 GiB. */
    static final long MAX_FILE_BYTES = (2L << 30) - 1;

    private OrtEnvironment env;
    private int threads = 1;

    synchronized OrtEnvironment env() {
        if (env == null) {
            try {
                // FATAL: a model that fails to load is one line of ours, which carries ONNX Runtime's message;
                // at ERROR it would also log that message itself, on a second line
                env = OrtEnvironment.getEnvironment(OrtLoggingLevel.ORT_LOGGING_LEVEL_FATAL, "edgetorch");
            } catch (RuntimeException | UnsatisfiedLinkError e) {
                throw new UserError("ONNX Runtime could not start on this machine: " + e.getMessage(), e);
            }
        }
        return env;
    }

    @Override
    public String name() {
        return "onnxruntime";
    }

    @Override
    public String version() {
        return env().getVersion();
    }

    @Override
    public Set<ModelFormat> formats() {
        return EnumSet.of(ModelFormat.ONNX);
    }

    @Override
    public boolean hasCapability(Capability c) {
        return switch (c) {
            case INT8 -> true;
            case QUANTIZED_ENGINES, NATIVE_TIMING_LOOP, JAVA_MODELS -> false;
            case XNNPACK -> OrtEnvironment.getAvailableProviders().contains(OrtProvider.XNNPACK);
        };
    }

    @Override
    public synchronized void setThreads(int n) {
        threads = n;
    }

    @Override
    public Model load(Path file) {
        checkReadable(file);
        return open(file.toString(), (e, o) -> e.createSession(file.toString(), o));
    }

    /** A model from serialized bytes: what an exporter runs to check a file before writing it. */
    public Model load(byte[] model, String source) {
        return open(source, (e, o) -> e.createSession(model, o));
    }

    private interface SessionFactory {
        OrtSession create(OrtEnvironment env, OrtSession.SessionOptions options) throws OrtException;
    }

    private Model open(String source, SessionFactory factory) {
        OrtEnvironment e = env();
        OrtSession session;
        try (OrtSession.SessionOptions options = new OrtSession.SessionOptions()) {
            options.setOptimizationLevel(OrtSession.SessionOptions.OptLevel.ALL_OPT);
            options.setExecutionMode(OrtSession.SessionOptions.ExecutionMode.SEQUENTIAL);
            options.setIntraOpNumThreads(threads);
            options.setInterOpNumThreads(1);
            session = factory.create(e, options);
        } catch (OrtException ex) {
            throw new UserError(source + ": ONNX Runtime cannot load it: " + firstLine(ex.getMessage()), ex);
        }
        try {
            return new OrtModel(e, session, source);
        } catch (RuntimeException ex) {
            closeQuietly(session);
            throw ex;
        } catch (OrtException ex) {
            closeQuietly(session);
            throw new UserError(source + ": ONNX Runtime cannot describe its inputs: " + firstLine(ex.getMessage()), ex);
        }
    }

    private static void closeQuietly(OrtSession session) {
        try {
            session.close();
        } catch (OrtException ignored) {
            // the load already failed; its message is the one to show
        }
    }

    /** A regular, non-empty file of a size protobuf can read: anything else gets its own message first. */
    static void checkReadable(Path file) {
        if (!Files.exists(file)) throw new UserError(file + ": no such file");
        if (!Files.isRegularFile(file)) throw new UserError(file + ": not a regular file");
        try {
            long size = Files.size(file);
            if (size == 0) throw new UserError(file + ": empty file");
            if (size > MAX_FILE_BYTES) throw new UserError(file + ": " + size + " bytes, more than an ONNX file can hold (2 GiB)");
        } catch (IOException ex) {
            throw new UserError(file + ": cannot read it: " + ex.getMessage(), ex);
        }
    }

    static String firstLine(String message) {
        if (message == null) return "unknown error";
        String m = message.strip();
        int nl = m.indexOf('\n');
        return nl < 0 ? m : m.substring(0, nl);
    }

    @Override
    public Map<String, Object> details() {
        Map<String, Object> d = new LinkedHashMap<>();
        d.put("providers", List.copyOf(OrtEnvironment.getAvailableProviders()).stream().map(Enum::name).toList());
        d.put("intra_op_threads", threads);
        return d;
    }
}
