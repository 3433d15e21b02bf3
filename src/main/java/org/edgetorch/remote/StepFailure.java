package org.edgetorch.remote;

/** A host's work stopped at one step ({@code connect}, {@code check}, {@code copy}, {@code run}, {@code fetch}); the reason is one line. */
public final class StepFailure extends RuntimeException {
    private final String step;

    public StepFailure(String step, String reason) {
        super(reason.replace('\n', ' ').strip());
        this.step = step;
    }

    public StepFailure(String step, String reason, Throwable cause) {
        super(reason.replace('\n', ' ').strip(), cause);
        this.step = step;
    }

    public String step() {
        return step;
    }
}
