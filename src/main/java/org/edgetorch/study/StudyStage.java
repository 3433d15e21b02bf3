package org.edgetorch.study;

/**
 * One step of the study. A stage adds what it makes to the {@link StudyContext}: variants with their
 * models, verification results, latency figures. Stages run in the order {@link StudyStages#all()} lists.
 */
public interface StudyStage {

    String name();

    /** Null when the stage can run; otherwise the one-line reason it is skipped. */
    default String skipReason(StudyContext context) {
        return null;
    }

    void run(StudyContext context);

    /**
     * An essential stage's failure ends the study without a report (nothing after it would mean
     * anything); any other stage's failure is recorded in the report, and the study goes on.
     */
    default boolean essential() {
        return false;
    }
}
