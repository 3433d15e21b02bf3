package org.edgetorch.mobile;

import org.bytedeco.pytorch.Dispatcher;
import org.bytedeco.pytorch.IValue;
import org.bytedeco.pytorch.IValueVector;
import org.bytedeco.pytorch.OperatorHandle;

import java.util.List;

/**
 * Calls a registered operator by name through LibTorch's dispatcher (boxed), the way the JIT
 * interpreter would. This is how prepacking runs at export time: the presets map no
 * {@code optimizeForMobile}, but {@code prepacked::conv2d_clamp_prepack} and friends are ordinary
 * registered operators returning a custom-class object.
 */
final class Ops {
    private Ops() {
    }

    /** Runs {@code qualifiedName} (overload "") on the arguments and returns its single result. */
    static IValue call(String qualifiedName, List<IValue> args) {
        OperatorHandle op = Dispatcher.singleton().findSchemaOrThrow(qualifiedName, "");
        IValueVector stack = new IValueVector(args.toArray(new IValue[0]));
        op.callBoxed(stack);
        if (stack.size() != 1) {
            throw new IllegalStateException(qualifiedName + " left " + stack.size() + " values on the stack, expected 1");
        }
        return stack.get(0);
    }

    /** Whether an operator of that name (overload "") is registered in this LibTorch. */
    static boolean exists(String qualifiedName) {
        try {
            Dispatcher.singleton().findSchemaOrThrow(qualifiedName, "");
            return true;
        } catch (RuntimeException e) {
            return false;
        }
    }
}
