package org.edgetorch.study;

/**
 * A stage whose command is not in this build yet: listed in the report as skipped, so the report says
 * plainly which parts of the study it does not cover. Replaced by the real stage when it lands.
 */
record PendingStage(String name, String what) implements StudyStage {
    @Override
    public String skipReason(StudyContext context) {
        return what + " is not in this build yet";
    }

    @Override
    public void run(StudyContext context) {
        throw new IllegalStateException(name + " cannot run");
    }
}
