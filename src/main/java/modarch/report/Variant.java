package modarch.report;

import java.math.BigDecimal;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.stream.Collectors;
import modarch.model.FamilyOptions;
import modarch.model.Registry;
import modarch.model.TaskSpec;
import modarch.train.TrainConfig;

/**
 * A task variant, one section of the report: the task and every option of its runs except the capacity, the seeds,
 * the rules and the {@link Remedy} against collapse (its runs are compared in the variant's remedies section). options
 * holds the family's options without att_dim (a capacity); the recipe is iterations, batch size and learning rate.
 */
public record Variant(TaskSpec task, FamilyOptions options, long iterations, int batchSize, double lr)
        implements Comparable<Variant> {
    private static final Comparator<Variant> ORDER = Comparator
            .comparingInt((Variant v) -> Registry.tasks().indexOf(v.task))
            .thenComparingInt(v -> v.options.searchVersion())
            .thenComparingInt(v -> v.options.dDim())
            .thenComparingInt(v -> v.options.order())
            .thenComparingInt(v -> v.options.seqLen())
            .thenComparingInt(v -> v.options.attentionTopK())
            .thenComparingLong(Variant::iterations)
            .thenComparingInt(Variant::batchSize)
            .thenComparingDouble(Variant::lr);

    public static Variant of(TrainConfig config) {
        FamilyOptions o = config.options();
        return new Variant(config.task(), new FamilyOptions(0, o.searchVersion(), o.seqLen(), o.attentionTopK(),
                o.dDim(), o.order()), config.iterations(), config.batchSize(), config.lr());
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
        return task.family().attention() || task.family().recurrent();
    }

    /** "mha-regression, search version 1, length 10", then ", 600 iterations, batch 256, lr 0.0001" with the recipe. */
    public String title(boolean withRecipe) {
        StringBuilder s = new StringBuilder(task.cliName());
        if (task.family().attention()) {
            s.append(", search version ").append(options.searchVersion()).append(", length ").append(options.seqLen());
            if (options.attentionTopK() > 0) s.append(", top-").append(options.attentionTopK()).append(" attention");
        } else if (task.family().recurrent()) {
            s.append(", d ").append(options.dDim()).append(", order ").append(options.order())
                    .append(", length ").append(options.seqLen());
        }
        if (withRecipe) s.append(", ").append(recipe());
        return s.toString();
    }

    /** "600 iterations, batch 256, lr 0.0001". */
    public String recipe() {
        return iterations + " iterations, batch " + batchSize + ", lr " + BigDecimal.valueOf(lr).stripTrailingZeros();
    }

    /** The title as a file-name stem: "mha-regression-search1-len10", "mlp-regression-it600-b256-lr0.0001". */
    public String slug(boolean withRecipe) {
        StringBuilder s = new StringBuilder(task.cliName());
        if (task.family().attention()) {
            s.append("-search").append(options.searchVersion()).append("-len").append(options.seqLen());
            if (options.attentionTopK() > 0) s.append("-top").append(options.attentionTopK());
        } else if (task.family().recurrent()) {
            s.append("-d").append(options.dDim()).append("-order").append(options.order()).append("-len")
                    .append(options.seqLen());
        }
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
