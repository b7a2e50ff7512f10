package modarch.report;

import java.math.BigDecimal;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.stream.Collectors;
import modarch.model.Family;
import modarch.model.FamilyOptions;
import modarch.model.OptionValues;
import modarch.model.Registry;
import modarch.model.SharedOptions;
import modarch.model.TaskSpec;
import modarch.train.TrainConfig;

/**
 * A task variant, one section of the report: the task and every option of its runs except the capacity, the seeds,
 * the rules and the {@link Remedy} against collapse (its runs are compared in the variant's remedies section). options
 * holds the family's options with the family's default capacity; the recipe is iterations, batch size and learning
 * rate.
 */
public record Variant(TaskSpec task, FamilyOptions options, long iterations, int batchSize, double lr)
        implements Comparable<Variant> {
    private static final Comparator<Variant> ORDER = Comparator
            .comparingInt((Variant v) -> Registry.tasks().indexOf(v.task))
            .thenComparing(Variant::options, Variant::compareOptions)
            .thenComparingLong(Variant::iterations)
            .thenComparingInt(Variant::batchSize)
            .thenComparingDouble(Variant::lr);

    public static Variant of(TrainConfig config) {
        Family family = config.task().family();
        OptionValues values = new OptionValues().putAll(family.options(), config.options().values());
        values.putAll(family.capacity(), family.defaults().values());
        return new Variant(config.task(), family.options(values), config.iterations(), config.batchSize(), config.lr());
    }

    /** Two options records of one family, option by option in config.json's order. */
    private static int compareOptions(FamilyOptions a, FamilyOptions b) {
        List<Object> x = List.copyOf(a.values().values());
        List<Object> y = List.copyOf(b.values().values());
        for (int i = 0; i < x.size(); i++) {
            int c = Double.compare(((Number) x.get(i)).doubleValue(), ((Number) y.get(i)).doubleValue());
            if (c != 0) return c;
        }
        return 0;
    }

    /** rows by variant, in variant order. */
    static Map<Variant, List<RunRow>> group(List<RunRow> rows) {
        return rows.stream().collect(Collectors.groupingBy(RunRow::variant, TreeMap::new, Collectors.toList()));
    }

    /**
     * Whether this variant's title and file names name its recipe (iterations, batch size, lr): only where another of
     * variants has the same title without it (one task with the same options trained with several recipes).
     */
    boolean recipeNeeded(Set<Variant> variants) {
        return variants.stream().anyMatch(v -> !v.equals(this) && v.title(false).equals(title(false)));
    }

    public boolean classification() {
        return task.classification();
    }

    /** True for the sequence families, whose performance is also measured at several lengths. */
    public boolean sequences() {
        return task.family().options().contains(SharedOptions.SEQ_LEN);
    }

    /** "mha-regression, search version 1, length 10", then ", 600 iterations, batch 256, lr 0.0001" with the recipe. */
    public String title(boolean withRecipe) {
        return task.cliName() + options.title() + (withRecipe ? ", " + recipe() : "");
    }

    /** "600 iterations, batch 256, lr 0.0001". */
    public String recipe() {
        return iterations + " iterations, batch " + batchSize + ", lr " + BigDecimal.valueOf(lr).stripTrailingZeros();
    }

    /** The title as a file-name stem: "mha-regression-search1-len10", "mlp-regression-it600-b256-lr0.0001". */
    public String slug(boolean withRecipe) {
        StringBuilder s = new StringBuilder(task.cliName()).append(options.slug());
        if (withRecipe) {
            s.append("-it").append(iterations).append("-b").append(batchSize).append("-lr")
                    .append(BigDecimal.valueOf(lr).stripTrailingZeros().toPlainString());
        }
        return s.toString();
    }

    /** Task order of the registry, then the options, then the recipe. */
    @Override
    public int compareTo(Variant o) {
        return ORDER.compare(this, o);
    }
}
