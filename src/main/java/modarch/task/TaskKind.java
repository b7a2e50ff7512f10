package modarch.task;

import java.util.Arrays;
import java.util.stream.Collectors;

/** The benchmark tasks a run can train on. */
public enum TaskKind {
    MLP_REGRESSION("mlp-regression", false),
    MLP_CLASSIFICATION("mlp-classification", true);

    private final String cliName;
    private final boolean classification;

    TaskKind(String cliName, boolean classification) {
        this.cliName = cliName;
        this.classification = classification;
    }

    public String cliName() {
        return cliName;
    }

    public boolean classification() {
        return classification;
    }

    public static TaskKind parse(String name) {
        for (TaskKind kind : values()) {
            if (kind.cliName.equals(name)) return kind;
        }
        throw new IllegalArgumentException("unknown task '" + name + "': allowed are " + allowed());
    }

    public static String allowed() {
        return Arrays.stream(values()).map(TaskKind::cliName).collect(Collectors.joining(", "));
    }

    @Override
    public String toString() {
        return cliName;
    }
}
