package org.edgetorch.study;

/**
 * What happened to one stage: {@code ran}, {@code skipped} (not in this build, or not requested) or
 * {@code failed} (the study went on; the message says why).
 */
public record StageRecord(String name, String status, double seconds, String message) {
    public static final String RAN = "ran";
    public static final String SKIPPED = "skipped";
    public static final String FAILED = "failed";
}
