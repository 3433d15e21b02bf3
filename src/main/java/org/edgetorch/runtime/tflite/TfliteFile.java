package org.edgetorch.runtime.tflite;

import org.bytedeco.tensorflowlite.global.tensorflowlite;
import org.edgetorch.util.UserError;
import org.tensorflow.lite.schema.Model;
import org.tensorflow.lite.schema.SubGraph;
import org.tensorflow.lite.schema.Tensor;
import org.tensorflow.lite.schema.TensorType;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;

/**
 * What edgetorch needs to know of a .tflite file before TensorFlow Lite's native code sees it, read in Java
 * with TFLite's generated schema classes: the identifier, one subgraph with one 4-D input of a type it can
 * feed, and whether that input is NHWC. Anything else is a {@link UserError} with one line.
 */
record TfliteFile(int[] inputShape, Type inputType, boolean nhwc, int operators, String description) {

    /** The input types edgetorch feeds. */
    enum Type {
        FLOAT32("float32", 4, tensorflowlite.kTfLiteFloat32),
        INT8("int8", 1, tensorflowlite.kTfLiteInt8),
        UINT8("uint8", 1, tensorflowlite.kTfLiteUInt8);

        final String id;
        final int bytes;
        final int tfliteType;

        Type(String id, int bytes, int tfliteType) {
            this.id = id;
            this.bytes = bytes;
            this.tfliteType = tfliteType;
        }
    }

    /** Whether the bytes carry TFLite's FlatBuffer identifier "TFL3" (at offset 4). Pure. */
    static boolean hasIdentifier(byte[] head) {
        return head.length >= 8 && head[4] == 'T' && head[5] == 'F' && head[6] == 'L' && head[7] == '3';
    }

    static void requireIdentifier(byte[] data, String source) {
        if (!hasIdentifier(data)) {
            throw new UserError(source + ": not a TensorFlow Lite file (no \"TFL3\" identifier at bytes 4..7)");
        }
    }

    /** Reads bytes that TFLite's FlatBuffer verifier has accepted: the schema classes trust every offset. */
    static TfliteFile read(byte[] data, String source) {
        requireIdentifier(data, source);
        try {
            Model m = Model.getRootAsModel(ByteBuffer.wrap(data).order(ByteOrder.LITTLE_ENDIAN));
            if (m.subgraphsLength() < 1) throw new UserError(source + ": the TensorFlow Lite model has no subgraph");
            SubGraph g = m.subgraphs(0);
            if (g.inputsLength() != 1) {
                throw new UserError(source + ": the model takes " + g.inputsLength() + " inputs; edgetorch runs models with one image-batch input");
            }
            if (g.outputsLength() < 1) throw new UserError(source + ": the model has no output");
            Tensor in = g.tensors(g.inputs(0));
            int[] shape = new int[in.shapeLength()];
            for (int i = 0; i < shape.length; i++) shape[i] = in.shape(i);
            if (shape.length != 4) {
                throw new UserError(source + ": its input '" + in.name() + "' is " + java.util.Arrays.toString(shape)
                        + "; edgetorch feeds one 4-D image batch");
            }
            for (int d : shape) {
                if (d < 1) throw new UserError(source + ": its input '" + in.name() + "' has a dynamic dimension " + java.util.Arrays.toString(shape));
            }
            Type type = switch (in.type()) {
                case TensorType.FLOAT32 -> Type.FLOAT32;
                case TensorType.INT8 -> Type.INT8;
                case TensorType.UINT8 -> Type.UINT8;
                default -> throw new UserError(source + ": its input '" + in.name() + "' is of " + TensorType.name(in.type())
                        + "; edgetorch feeds float32, int8 or uint8");
            };
            return new TfliteFile(shape, type, isNhwc(shape), g.operatorsLength(), m.description());
        } catch (UserError e) {
            throw e;
        } catch (RuntimeException e) {
            throw new UserError(source + ": not a readable TensorFlow Lite model (truncated or damaged?): " + e.getClass().getSimpleName(), e);
        }
    }

    /**
     * NHWC unless the dims say NCHW: channels (1 or 3) second and not last. TFLite's convention, and edgetorch's
     * writer, is NHWC.
     */
    static boolean isNhwc(int[] shape) {
        boolean channelsSecond = shape[1] == 1 || shape[1] == 3;
        boolean channelsLast = shape[3] == 1 || shape[3] == 3;
        return !(channelsSecond && !channelsLast);
    }

    /** The NCHW shape commands give for this input. */
    long[] nchwShape() {
        return nhwc ? new long[]{inputShape[0], inputShape[3], inputShape[1], inputShape[2]}
                : new long[]{inputShape[0], inputShape[1], inputShape[2], inputShape[3]};
    }
}
