package modarch.model;

import java.util.Map;
import modarch.task.Task;

/** The values of a family's options (one record per family): its task instances, its model's shape and its checks. */
public interface FamilyOptions {
    Family family();

    /** Every option of the family with its value, in config.json's order, as Integer, Long or Double. */
    Map<String, Object> values();

    /** Throws UserError with a one-line message naming the bad value and what is allowed. */
    void check(ModelKind kind, int rules);

    /** The checks of the options a task instance takes (sequences of up to maxLength), as {@link #check} makes them. */
    void checkTask(int maxLength);

    /** Rows per example in training: 1, or the training sequence length. */
    int trainLength();

    /** The task instance of a data seed. */
    Task newTask(int rules, long dataSeed, boolean classification);

    /** A model's shape for a task instance of inputWidth features and outputWidth labels per row. */
    ModelSpec modelSpec(ModelKind kind, int rules, int inputWidth, int outputWidth, int trainLength, int maxLength);

    /** The options that name a task variant in the report, e.g. ", search version 1, length 10" ("" for none). */
    String title();

    /** {@link #title()} as a file-name stem's tail, e.g. "-search1-len10". */
    String slug();
}
