package modarch.model;

import java.util.List;
import modarch.backend.Backend;

/**
 * A task family, one subclass per family (package modarch.model.FAMILY): its options (in config.json's order) and
 * their record, its defaults, its capacity (the two widths a sweep's capacities give), its models, and its training
 * recipe's gradient-norm clip (0: none) and iterations (the reference's main.py). Its task instances come from its
 * options record ({@link FamilyOptions#newTask}). Adding a family adds a package and a line of {@link Registry}.
 */
public abstract class Family {
    private final String name;
    private final List<RunOption> options;
    private final List<RunOption> capacity;
    private final FamilyOptions defaults;
    private final float maxGradNorm;
    private final long defaultIterations;

    protected Family(String name, List<RunOption> options, List<RunOption> capacity, FamilyOptions defaults,
                     float maxGradNorm, long defaultIterations) {
        this.name = name;
        this.options = List.copyOf(options);
        this.capacity = List.copyOf(capacity);
        this.defaults = defaults;
        this.maxGradNorm = maxGradNorm;
        this.defaultIterations = defaultIterations;
    }

    public String name() {
        return name;
    }

    /** Its options, in config.json's order: they follow "rules" there. */
    public List<RunOption> options() {
        return options;
    }

    /** The two options of a capacity, "AxB" (among {@link #options()}). */
    public List<RunOption> capacity() {
        return capacity;
    }

    /** Its options' defaults (the command line's, and a sweep's where a grid does not say). */
    public FamilyOptions defaults() {
        return defaults;
    }

    public float maxGradNorm() {
        return maxGradNorm;
    }

    public long defaultIterations() {
        return defaultIterations;
    }

    /** The options record of values, which hold every option of {@link #options()}. */
    public abstract FamilyOptions options(OptionValues values);

    public abstract Model newModel(Backend backend, int rep, ModelSpec spec, int maxRows);

    /**
     * The one-line refusal of an option of another family given with value for task (one of this family's), or null
     * where the family takes that value as saying nothing.
     */
    public String refusal(RunOption option, Number value, String task) {
        return option.cli() + " does not apply to " + task;
    }

    /** Throws UserError when this family cannot route each row to its top k modules (k > 0). */
    public void checkRouterTopK(int k) {
    }

    @Override
    public String toString() {
        return name;
    }
}
