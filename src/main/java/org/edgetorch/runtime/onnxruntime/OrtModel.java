package org.edgetorch.runtime.onnxruntime;

import ai.onnxruntime.NodeInfo;
import ai.onnxruntime.OnnxJavaType;
import ai.onnxruntime.OnnxTensor;
import ai.onnxruntime.OnnxValue;
import ai.onnxruntime.OrtEnvironment;
import ai.onnxruntime.OrtException;
import ai.onnxruntime.OrtSession;
import ai.onnxruntime.TensorInfo;
import org.edgetorch.runtime.Model;
import org.edgetorch.runtime.PreparedRun;
import org.edgetorch.tensor.FloatTensor;
import org.edgetorch.util.UserError;

import java.nio.FloatBuffer;
import java.util.Arrays;
import java.util.Map;

/**
 * An ONNX model in an ONNX Runtime session. It owns the session: {@link #close()} releases it and every
 * later call is refused. Inputs are checked against the model's declared input before ONNX Runtime sees
 * them, so a wrong shape is one clear message.
 */
final class OrtModel implements Model {
    private final OrtEnvironment env;
    private final OrtSession session;
    private final String source;
    private final String inputName;
    /** The declared input shape; -1 (or a symbolic name) for a dynamic dimension. */
    private final long[] inputShape;
    private boolean closed;

    OrtModel(OrtEnvironment env, OrtSession session, String source) throws OrtException {
        this.env = env;
        this.session = session;
        this.source = source;
        Map<String, NodeInfo> inputs = session.getInputInfo();
        if (inputs.size() != 1) {
            throw new UserError(source + ": the model takes " + inputs.size() + " inputs " + inputs.keySet()
                    + "; edgetorch runs models with one image-batch input");
        }
        Map.Entry<String, NodeInfo> in = inputs.entrySet().iterator().next();
        if (!(in.getValue().getInfo() instanceof TensorInfo t) || t.type != OnnxJavaType.FLOAT) {
            throw new UserError(source + ": its input '" + in.getKey() + "' is " + in.getValue().getInfo()
                    + "; edgetorch feeds a float32 tensor");
        }
        if (session.getOutputInfo().isEmpty()) throw new UserError(source + ": the model has no output");
        this.inputName = in.getKey();
        this.inputShape = t.getShape();
    }

    /** The input's declared shape (-1 where dynamic). */
    long[] inputShape() {
        return inputShape.clone();
    }

    @Override
    public FloatTensor forward(FloatTensor input) {
        checkOpen();
        try (OnnxTensor x = tensor(input); OrtSession.Result r = run(x)) {
            return output(r);
        }
    }

    @Override
    public PreparedRun prepare(FloatTensor input) {
        checkOpen();
        OnnxTensor x = tensor(input);
        return new PreparedRun() {
            private OrtSession.Result last;

            @Override
            public void run() {
                last = OrtModel.this.run(x);
            }

            @Override
            public double consume() {
                if (last == null) return 0;
                try {
                    double s = 0;
                    for (float v : output(last).data()) s += v;
                    return s;
                } finally {
                    last.close();
                    last = null;
                }
            }

            @Override
            public String description() {
                return "OrtSession.run on a prepared OnnxTensor (ONNX Runtime)";
            }

            @Override
            public void close() {
                if (last != null) last.close();
                last = null;
                x.close();
            }
        };
    }

    private OnnxTensor tensor(FloatTensor input) {
        checkShape(input.shape());
        try {
            return OnnxTensor.createTensor(env, FloatBuffer.wrap(input.data()), input.shape());
        } catch (OrtException e) {
            throw new UserError(source + ": cannot build the input tensor: " + OrtRuntime.firstLine(e.getMessage()), e);
        }
    }

    /** The input must have the declared rank, and every fixed dimension must match. */
    void checkShape(long[] shape) {
        boolean fits = shape.length == inputShape.length;
        for (int i = 0; fits && i < shape.length; i++) fits = inputShape[i] < 0 || inputShape[i] == shape[i];
        if (!fits) {
            throw new UserError(source + ": the model's input '" + inputName + "' is " + dims(inputShape)
                    + ", but it was given " + dims(shape));
        }
    }

    private static String dims(long[] shape) {
        return Arrays.toString(Arrays.stream(shape).mapToObj(d -> d < 0 ? "?" : Long.toString(d)).toArray());
    }

    private OrtSession.Result run(OnnxTensor x) {
        checkOpen();
        try {
            return session.run(Map.of(inputName, x));
        } catch (OrtException e) {
            throw new UserError(source + ": ONNX Runtime failed to run it: " + OrtRuntime.firstLine(e.getMessage()), e);
        }
    }

    private FloatTensor output(OrtSession.Result r) {
        OnnxValue v = r.get(0);
        if (!(v instanceof OnnxTensor t) || t.getInfo().type != OnnxJavaType.FLOAT) {
            throw new UserError(source + ": its first output is not a float32 tensor");
        }
        FloatBuffer b = t.getFloatBuffer();
        float[] data = new float[b.remaining()];
        b.get(data);
        return new FloatTensor(t.getInfo().getShape(), data);
    }

    private void checkOpen() {
        if (closed) throw new IllegalStateException(source + ": this ONNX Runtime model is closed");
    }

    @Override
    public String source() {
        return source;
    }

    @Override
    public void close() {
        if (closed) return;
        closed = true;
        try {
            session.close();
        } catch (OrtException e) {
            throw new IllegalStateException(source + ": closing the ONNX Runtime session failed", e);
        }
    }
}
