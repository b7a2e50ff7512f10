package modarch.model;

import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;
import modarch.Checks;
import modarch.model.mha.MhaFamily;
import modarch.model.mlp.MlpFamily;
import modarch.model.rnn.RnnFamily;

/** Every family and task the command line knows, by name; adding a family adds its line here. */
public final class Registry {
    private static final List<Family> FAMILIES = List.of(MlpFamily.INSTANCE, MhaFamily.INSTANCE, RnnFamily.INSTANCE);

    private static final List<TaskSpec> TASKS = FAMILIES.stream()
            .flatMap(f -> List.of(new TaskSpec(f.name() + "-regression", f, false),
                    new TaskSpec(f.name() + "-classification", f, true)).stream())
            .toList();

    private Registry() {
    }

    public static List<Family> families() {
        return FAMILIES;
    }

    public static List<TaskSpec> tasks() {
        return TASKS;
    }

    /** The task of a name; a UserError naming the allowed ones otherwise. */
    public static TaskSpec task(String name) {
        return Checks.choose("task", name, TASKS, TaskSpec::cliName);
    }

    /** Every family's options, each once, in family then config.json order. */
    public static List<RunOption> familyOptions() {
        Set<RunOption> out = new LinkedHashSet<>();
        for (Family family : FAMILIES) out.addAll(family.options());
        return List.copyOf(out);
    }

    /** The family options that are not a capacity (a sweep grid's options, the report's variants), each once. */
    public static List<RunOption> variantOptions() {
        List<RunOption> out = new ArrayList<>();
        for (Family family : FAMILIES) {
            for (RunOption option : family.options()) {
                if (!family.capacity().contains(option) && !out.contains(option)) out.add(option);
            }
        }
        return out;
    }
}
