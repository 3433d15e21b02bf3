package org.edgetorch.runtime.tflite;

import org.bytedeco.javacpp.BytePointer;
import org.bytedeco.javacpp.FloatPointer;
import org.bytedeco.javacpp.Pointer;
import org.bytedeco.tensorflowlite.BuiltinOpResolver;
import org.bytedeco.tensorflowlite.BuiltinOpResolverWithXNNPACK;
import org.bytedeco.tensorflowlite.BuiltinOpResolverWithoutDefaultDelegates;
import org.bytedeco.tensorflowlite.FlatBufferModel;
import org.bytedeco.tensorflowlite.Interpreter;
import org.bytedeco.tensorflowlite.InterpreterBuilder;
import org.bytedeco.tensorflowlite.TfLiteIntArray;
import org.bytedeco.tensorflowlite.TfLiteTensor;
import org.bytedeco.tensorflowlite.global.tensorflowlite;
import org.edgetorch.runtime.InputLayout;
import org.edgetorch.runtime.Model;
import org.edgetorch.runtime.PreparedRun;
import org.edgetorch.tensor.FloatTensor;
import org.edgetorch.util.UserError;

import java.util.Arrays;

/**
 * A .tflite model in TensorFlow Lite's interpreter. It owns the model bytes, the FlatBufferModel, the op
 * resolver and the interpreter: {@link #close()} releases them and every later call is refused. The file is
 * checked in Java ({@link TfliteFile}) and by TFLite's FlatBuffer verifier before the interpreter is built,
 * and every input is checked against the input tensor's dims and byte size before it is written: writing
 * past a tensor corrupts the native heap.
 *
 * <p>Commands feed NCHW float32 images. A model whose input is NHWC (TFLite's convention, and what
 * edgetorch's writer produces) gets them transposed, and an int8 or uint8 input quantized with the tensor's
 * parameters, in {@link #prepare} (outside the timed call) and in {@link #forward}.
 */
final class TfliteModel implements Model {
    private final String source;
    private final TfliteFile file;
    private final boolean xnnpack;
    private BytePointer bytes;
    private FlatBufferModel model;
    private BuiltinOpResolver resolver;
    private Interpreter interpreter;
    /** The NCHW shape commands must give. */
    private final long[] nchwShape;
    private final int delegatedNodes;

    TfliteModel(byte[] data, String source, int threads, boolean xnnpack) {
        this.source = source;
        this.xnnpack = xnnpack;
        TfliteFile.requireIdentifier(data, source);
        boolean ok = false;
        try {
            // TFLite's verifier (bounds of every offset and vector) before anything reads the bytes: the Java
            // schema classes trust them, and a vector length of 2^31 would have them allocate that much
            bytes = new BytePointer(data.length);
            bytes.put(data, 0, data.length);
            model = FlatBufferModel.VerifyAndBuildFromBuffer(bytes, data.length);
            if (model == null || model.isNull()) {
                model = null;
                throw new UserError(source + ": TensorFlow Lite's verifier rejects the file (truncated or damaged?)");
            }
            this.file = TfliteFile.read(data, source); // a UserError for anything that is not one model with one 4-D input
            this.nchwShape = file.nchwShape();
            resolver = xnnpack ? new BuiltinOpResolverWithXNNPACK() : new BuiltinOpResolverWithoutDefaultDelegates();
            interpreter = new Interpreter((Pointer) null);
            try (InterpreterBuilder builder = new InterpreterBuilder(model, resolver)) {
                builder.SetNumThreads(threads);
                if (builder.apply(interpreter) != tensorflowlite.kTfLiteOk || interpreter.isNull()) {
                    throw new UserError(source + ": TensorFlow Lite cannot build an interpreter for it (an op it does not have, "
                            + "or tensors and buffers that do not fit together; its own message is on the line above)");
                }
            }
            if (interpreter.AllocateTensors() != tensorflowlite.kTfLiteOk) {
                throw new UserError(source + ": TensorFlow Lite cannot allocate its tensors");
            }
            TfLiteTensor in = interpreter.input_tensor(0);
            if (!Arrays.equals(dims(in), file.inputShape()) || in.type() != file.inputType().tfliteType) {
                throw new UserError(source + ": TensorFlow Lite's input tensor " + Arrays.toString(dims(in))
                        + " is not the one the file declares " + Arrays.toString(file.inputShape()));
            }
            delegatedNodes = (int) Math.max(0, interpreter.nodes_size() - file.operators());
            ok = true;
        } finally {
            if (!ok) release();
        }
    }

    /** The layout of the file's own input (commands always give NCHW; prepare() converts once). */
    @Override
    public InputLayout inputLayout() {
        return file.nhwc() ? InputLayout.NHWC : InputLayout.NCHW;
    }

    /** Whether the XNNPACK delegate was asked for, and how many delegate nodes it created (0: it took nothing). */
    boolean xnnpack() {
        return xnnpack;
    }

    int delegatedNodes() {
        return delegatedNodes;
    }

    /**
     * One inference; a batch of several images on a file written for one runs image by image (a .tflite has a
     * fixed batch) and the outputs are stacked.
     */
    @Override
    public FloatTensor forward(FloatTensor input) {
        checkOpen();
        if (nchwShape[0] == 1 && input.dim() == 4 && input.size(0) > 1) {
            int n = (int) input.size(0);
            int per = input.data().length / n;
            FloatTensor first = null;
            float[] all = null;
            for (int i = 0; i < n; i++) {
                float[] one = Arrays.copyOfRange(input.data(), i * per, (i + 1) * per);
                FloatTensor y = forward(new FloatTensor(new long[]{1, input.size(1), input.size(2), input.size(3)}, one));
                if (first == null) {
                    first = y;
                    all = new float[y.data().length * n];
                }
                System.arraycopy(y.data(), 0, all, i * y.data().length, y.data().length);
            }
            long[] shape = first.shape().clone();
            shape[0] = n;
            return new FloatTensor(shape, all);
        }
        try (NativeInput x = nativeInput(input)) {
            invoke(x);
            return output();
        }
    }

    @Override
    public PreparedRun prepare(FloatTensor input) {
        checkOpen();
        long t0 = System.nanoTime();
        NativeInput x = nativeInput(input);
        long conversionNs = System.nanoTime() - t0;
        return new PreparedRun() {
            private boolean ran;

            @Override
            public long inputConversionNanos() {
                return conversionNs;
            }

            @Override
            public void run() {
                invoke(x);
                ran = true;
            }

            @Override
            public double consume() {
                if (!ran) return 0;
                ran = false;
                double s = 0;
                for (float v : output().data()) s += v;
                return s;
            }

            @Override
            public String description() {
                return "memcpy of a prepared " + inputLayout().name() + " " + file.inputType().id
                        + " input into the input tensor + Interpreter.Invoke (TensorFlow Lite" + (xnnpack ? ", XNNPACK" : ", built-in kernels") + ")";
            }

            @Override
            public void close() {
                x.close();
            }
        };
    }

    /** The input in the tensor's own layout and type, in native memory, ready to copy. */
    private record NativeInput(BytePointer data, long bytes) implements AutoCloseable {
        @Override
        public void close() {
            data.close();
        }
    }

    private NativeInput nativeInput(FloatTensor input) {
        if (!Arrays.equals(input.shape(), nchwShape)) {
            throw new UserError(source + ": the model's input is " + Arrays.toString(nchwShape) + " (NCHW; the file stores "
                    + inputLayout().name() + " " + Arrays.toString(file.inputShape()) + "), but it was given " + Arrays.toString(input.shape()));
        }
        float[] v = file.nhwc() ? toNhwc(input) : input.data();
        TfLiteTensor t = interpreter.input_tensor(0);
        long expected = (long) v.length * file.inputType().bytes;
        if (t.bytes() != expected || !Arrays.equals(dims(t), file.inputShape())) {
            throw new IllegalStateException(source + ": the input tensor holds " + t.bytes() + " bytes, not " + expected);
        }
        BytePointer p = new BytePointer(expected);
        switch (file.inputType()) {
            case FLOAT32 -> new FloatPointer(p).put(v);
            case INT8, UINT8 -> {
                float scale = t.params().scale();
                int zp = t.params().zero_point();
                int lo = file.inputType() == TfliteFile.Type.INT8 ? -128 : 0, hi = lo + 255;
                byte[] q = new byte[v.length];
                for (int i = 0; i < v.length; i++) {
                    long x = Math.round(Math.rint(v[i] / scale)) + zp;
                    q[i] = (byte) Math.max(lo, Math.min(hi, x));
                }
                p.put(q, 0, q.length);
            }
        }
        return new NativeInput(p, expected);
    }

    private void invoke(NativeInput x) {
        checkOpen();
        TfLiteTensor t = interpreter.input_tensor(0);
        if (t.bytes() != x.bytes()) throw new IllegalStateException(source + ": the input tensor changed size");
        Pointer.memcpy(t.data().data(), x.data(), x.bytes());
        if (interpreter.Invoke() != tensorflowlite.kTfLiteOk) throw new UserError(source + ": TensorFlow Lite failed to run it");
    }

    private FloatTensor output() {
        TfLiteTensor t = interpreter.output_tensor(0);
        int[] d = dims(t);
        long n = 1;
        for (int v : d) n *= v;
        float[] out = new float[Math.toIntExact(n)];
        int type = t.type();
        if (type == tensorflowlite.kTfLiteFloat32) {
            if (t.bytes() != 4 * n) throw new IllegalStateException(source + ": output tensor size mismatch");
            new FloatPointer(t.data().data()).capacity(n).get(out);
        } else if (type == tensorflowlite.kTfLiteInt8 || type == tensorflowlite.kTfLiteUInt8) {
            if (t.bytes() != n) throw new IllegalStateException(source + ": output tensor size mismatch");
            byte[] q = new byte[(int) n];
            new BytePointer(t.data().data()).capacity(n).get(q);
            float scale = t.params().scale();
            int zp = t.params().zero_point();
            boolean signed = type == tensorflowlite.kTfLiteInt8;
            for (int i = 0; i < q.length; i++) out[i] = ((signed ? q[i] : q[i] & 0xff) - zp) * scale;
        } else {
            throw new UserError(source + ": its output is neither float32, int8 nor uint8 (TfLiteType " + type + ")");
        }
        long[] shape = Arrays.stream(d).asLongStream().toArray();
        if (d.length == 4 && file.nhwc()) { // NHWC -> NCHW, as every command expects
            int b = d[0], h = d[1], w = d[2], c = d[3];
            float[] nchw = new float[out.length];
            for (int i = 0; i < b; i++)
                for (int y = 0; y < h; y++)
                    for (int x = 0; x < w; x++)
                        for (int k = 0; k < c; k++) nchw[((i * c + k) * h + y) * w + x] = out[((i * h + y) * w + x) * c + k];
            return new FloatTensor(new long[]{b, c, h, w}, nchw);
        }
        return new FloatTensor(shape, out);
    }

    private static float[] toNhwc(FloatTensor x) {
        int b = (int) x.size(0), c = (int) x.size(1), h = (int) x.size(2), w = (int) x.size(3);
        float[] src = x.data(), dst = new float[src.length];
        for (int i = 0; i < b; i++)
            for (int k = 0; k < c; k++)
                for (int y = 0; y < h; y++)
                    for (int xx = 0; xx < w; xx++) dst[((i * h + y) * w + xx) * c + k] = src[((i * c + k) * h + y) * w + xx];
        return dst;
    }

    private static int[] dims(TfLiteTensor t) {
        TfLiteIntArray a = t.dims();
        int[] d = new int[a.size()];
        for (int i = 0; i < d.length; i++) d[i] = a.data(i);
        return d;
    }

    private void checkOpen() {
        if (interpreter == null) throw new IllegalStateException(source + ": this TensorFlow Lite model is closed");
    }

    @Override
    public String source() {
        return source;
    }

    @Override
    public void close() {
        release();
    }

    /** The interpreter first (it uses the model and resolver), then the model, the resolver, the bytes. */
    private void release() {
        try {
            if (interpreter != null) interpreter.close();
        } finally {
            interpreter = null;
            try {
                if (model != null) model.close();
            } finally {
                model = null;
                if (resolver != null) resolver.close();
                resolver = null;
                if (bytes != null) bytes.close();
                bytes = null;
            }
        }
    }
}
