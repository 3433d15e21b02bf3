package org.edgetorch.export.onnx;

import ai.onnxruntime.OnnxTensor;
import ai.onnxruntime.OrtEnvironment;
import ai.onnxruntime.OrtException;
import ai.onnxruntime.OrtLoggingLevel;
import ai.onnxruntime.OrtSession;
import org.edgetorch.tensor.FloatTensor;
import org.edgetorch.util.UserError;

import java.nio.FloatBuffer;
import java.util.Map;

/**
 * The written bytes run by ONNX Runtime itself (one thread, all graph optimizations), so the exporter
 * checks what it wrote before the file replaces anything. Owns its session: closed by {@link #close}, and
 * refuses use afterwards.
 */
final class OrtCheck implements AutoCloseable {
    private OrtSession session;

    OrtCheck(byte[] model) {
        try (OrtSession.SessionOptions o = new OrtSession.SessionOptions()) {
            o.setIntraOpNumThreads(1);
            o.setInterOpNumThreads(1);
            o.setOptimizationLevel(OrtSession.SessionOptions.OptLevel.ALL_OPT);
            o.setSessionLogLevel(OrtLoggingLevel.ORT_LOGGING_LEVEL_ERROR);
            session = OrtEnvironment.getEnvironment().createSession(model, o);
        } catch (OrtException e) {
            throw new IllegalStateException("internal: ONNX Runtime rejects the written model: " + e.getMessage(), e);
        }
    }

    FloatTensor run(FloatTensor x) {
        if (session == null) throw new IllegalStateException("ONNX Runtime check used after close");
        OrtEnvironment env = OrtEnvironment.getEnvironment();
        try (OnnxTensor in = OnnxTensor.createTensor(env, FloatBuffer.wrap(x.data()), x.shape());
             OrtSession.Result r = session.run(Map.of(OnnxWriter.INPUT, in))) {
            OnnxTensor out = (OnnxTensor) r.get(0);
            long[] shape = out.getInfo().getShape();
            FloatBuffer b = out.getFloatBuffer();
            float[] d = new float[b.remaining()];
            b.get(d);
            return new FloatTensor(shape, d);
        } catch (OrtException e) {
            throw new UserError("ONNX Runtime failed to run the written model: " + e.getMessage(), e);
        }
    }

    @Override
    public void close() {
        if (session == null) return;
        try {
            session.close();
        } catch (OrtException e) {
            throw new IllegalStateException(e);
        } finally {
            session = null;
        }
    }
}
