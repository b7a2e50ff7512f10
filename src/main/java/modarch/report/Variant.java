package modarch.report;

import java.math.BigDecimal;
import java.util.Comparator;
import modarch.model.FamilyOptions;
import modarch.model.Registry;
import modarch.model.TaskSpec;
import modarch.nn.RouterRegularization;
import modarch.train.TrainConfig;

/**
 * A task variant, one section of the report: the task and every option of its runs except the capacity, the seeds and
 * the rules. options holds the family's options without att_dim (a capacity); the recipe is iterations, batch size and
 * learning rate; regularization the routing regularisers' weights (beyond the paper), in the title when set.
 */
public record Variant(TaskSpec task, FamilyOptions options, long iterations, int batchSize, double lr,
                      RouterRegularization regularization) implements Comparable<Variant> {
    private static final Comparator<Variant> ORDER = Comparator
            .comparingInt((Variant v) -> Registry.tasks().indexOf(v.task))
            .thenComparingInt(v -> v.options.searchVersion())
            .thenComparingInt(v -> v.options.dDim())
            .thenComparingInt(v -> v.options.order())
            .thenComparingInt(v -> v.options.seqLen())
            .thenComparingInt(v -> v.options.attentionTopK())
            .thenComparingLong(Variant::iterations)
            .thenComparingInt(Variant::batchSize)
            .thenComparingDouble(Variant::lr)
            .thenComparingDouble(v -> v.regularization.loadBalance())
            .thenComparingDouble(v -> v.regularization.zLoss())
            .thenComparingDouble(v -> v.regularization.miLoss());

    public static Variant of(TrainConfig config) {
        FamilyOptions o = config.options();
        return new Variant(config.task(), new FamilyOptions(0, o.searchVersion(), o.seqLen(), o.attentionTopK(),
                o.dDim(), o.order()), config.iterations(), config.batchSize(), config.lr(), config.regularization());
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
        if (regularization.active()) {
            s.append(", load balance ").append(plain(regularization.loadBalance())).append(", z-loss ")
                    .append(plain(regularization.zLoss())).append(", MI loss ").append(plain(regularization.miLoss()));
        }
        if (withRecipe) s.append(", ").append(recipe());
        return s.toString();
    }

    /** A weight as written in a title: 0.1, not 0.10000 nor 1.0E-1. */
    private static String plain(double weight) {
        return BigDecimal.valueOf(weight).stripTrailingZeros().toPlainString();
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
        if (regularization.active()) {
            s.append("-lb").append(plain(regularization.loadBalance())).append("-z").append(plain(regularization.zLoss()))
                    .append("-mi").append(plain(regularization.miLoss()));
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
