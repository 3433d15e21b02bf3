package org.edgetorch.util;

/**
 * A failure caused by the user's input or environment (missing file, wrong weights, unsupported engine).
 * The CLI prints its message as one line on stderr and exits with code 1, without a stack trace.
 */
public class UserError extends RuntimeException {
    public UserError(String message) {
        super(message);
    }

    public UserError(String message, Throwable cause) {
        super(message, cause);
    }
}
