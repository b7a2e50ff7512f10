package modarch.model;

import java.util.List;
import modarch.Checks;
import modarch.task.MlpTask;

/** Every task the command line knows, by name; adding a family adds its entries here. */
public final class Registry {
    private static final Family MLP = new Family("mlp", MlpTask::new,
            (backend, rep, spec, maxRows) -> new MlpModel(backend, rep, spec, maxRows));

    private static final List<TaskSpec> TASKS = List.of(
            new TaskSpec("mlp-regression", MLP, false),
            new TaskSpec("mlp-classification", MLP, true));

    private Registry() {
    }

    public static List<TaskSpec> tasks() {
        return TASKS;
    }

    /** The task of a name; a UserError naming the allowed ones otherwise. */
    public static TaskSpec task(String name) {
        return Checks.choose("task", name, TASKS, TaskSpec::cliName);
    }
}
