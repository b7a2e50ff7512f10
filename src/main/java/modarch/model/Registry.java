package modarch.model;

import java.util.List;
import modarch.Checks;
import modarch.task.MhaTask;
import modarch.task.MlpTask;
import modarch.task.RnnTask;

/** Every task the command line knows, by name; adding a family adds its entries here. */
public final class Registry {
    private static final Family MLP = new Family("mlp",
            (rules, dataSeed, classification, options) -> new MlpTask(rules, dataSeed, classification),
            MlpModel::new, FamilyOptions.NONE, 0f, 100_000);

    private static final Family MHA = new Family("mha",
            (rules, dataSeed, classification, options) -> new MhaTask(rules, dataSeed, classification,
                    options.searchVersion(), options.seqLen()),
            MhaModel::new, FamilyOptions.MHA_DEFAULTS, 0f, 500_000);

    private static final Family RNN = new Family("rnn",
            (rules, dataSeed, classification, options) -> new RnnTask(rules, dataSeed, classification, options.dDim(),
                    options.order(), options.seqLen()),
            RnnModel::new, FamilyOptions.RNN_DEFAULTS, 1f, 500_000);

    private static final List<TaskSpec> TASKS = List.of(
            new TaskSpec("mlp-regression", MLP, false),
            new TaskSpec("mlp-classification", MLP, true),
            new TaskSpec("mha-regression", MHA, false),
            new TaskSpec("mha-classification", MHA, true),
            new TaskSpec("rnn-regression", RNN, false),
            new TaskSpec("rnn-classification", RNN, true));

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
