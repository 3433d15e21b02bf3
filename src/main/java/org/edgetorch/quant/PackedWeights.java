package org.edgetorch.quant;

import org.edgetorch.jit.JitIr;
import org.bytedeco.pytorch.Dispatcher;
import org.bytedeco.pytorch.IValue;
import org.bytedeco.pytorch.IValueVector;
import org.bytedeco.pytorch.OperatorHandle;
import org.bytedeco.pytorch.Tensor;
import org.bytedeco.pytorch.Type;
import org.edgetorch.backend.ModelFiles;
import org.edgetorch.util.UserError;

/**
 * Weight prepacking through LibTorch's dispatcher ({@code quantized::conv2d_prepack},
 * {@code quantized::linear_prepack}): the packed object is laid out for the engine selected with
 * setQEngine at the time of the call, and it is what the quantized kernels take.
 */
final class PackedWeights {
    /** A packed-params object and its TorchScript class type (for module attributes). */
    record Packed(IValue value, Type.TypePtr type) {
    }

    private PackedWeights() {
    }

    static Packed conv2d(Tensor qweight, Tensor bias, long[] stride, long[] padding, long[] dilation, long groups, String where) {
        return call("quantized::conv2d_prepack", where, new IValue(qweight), bias == null ? new IValue() : new IValue(bias),
                JitIr.intList(stride), JitIr.intList(padding), JitIr.intList(dilation), new IValue(groups));
    }

    static Packed linear(Tensor qweight, Tensor bias, String where) {
        return call("quantized::linear_prepack", where, new IValue(qweight), bias == null ? new IValue() : new IValue(bias));
    }

    private static Packed call(String op, String where, IValue... args) {
        OperatorHandle h = Dispatcher.singleton().findSchemaOrThrow(op, "");
        IValueVector stack = new IValueVector(args);
        try {
            h.callBoxed(stack);
        } catch (RuntimeException e) {
            throw new UserError(op + " failed for " + where + ": " + ModelFiles.firstLine(e.getMessage()), e);
        }
        // get(0) is a view into the stack's memory: copy the IValue so it outlives the stack
        return new Packed(new IValue(stack.get(0)), h.schema().returns().type());
    }
}
