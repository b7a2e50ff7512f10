package modarch.train;

import modarch.model.Family;
import modarch.model.FamilyOptions;
import modarch.model.TaskSpec;

/**
 * A family's width pair, the paper's "capacity": MLP (enc_dim, dim), MHA (dim, att_dim), RNN (enc_dim, h_dim);
 * written "AxB".
 */
public record Capacity(int a, int b) implements Comparable<Capacity> {
    public static Capacity of(TrainConfig config) {
        return config.task().family().attention() ? new Capacity(config.dim(), config.options().attDim())
                : new Capacity(config.encDim(), config.dim());
    }

    /** The pair's names, for messages. */
    public static String names(Family family) {
        return family.attention() ? "[dim, att_dim]" : family.recurrent() ? "[enc_dim, h_dim]" : "[enc_dim, dim]";
    }

    /** The command line's default pair: MLP (32, 128), MHA (128, 512), RNN (128, 128). */
    public static Capacity defaults(Family family) {
        return family.attention() ? new Capacity(128, family.defaults().attDim())
                : family.recurrent() ? new Capacity(128, 128) : new Capacity(32, 128);
    }

    /** The widths a TrainConfig takes. */
    public record Widths(int encDim, int dim, FamilyOptions options) {
    }

    /** The config's (encDim, dim) and family options for this pair: MHA's second width is att_dim, an option. */
    public Widths widths(TaskSpec task, FamilyOptions options) {
        if (!task.family().attention()) return new Widths(a, b, options);
        return new Widths(0, a, new FamilyOptions(b, options.searchVersion(), options.seqLen(), options.attentionTopK(),
                options.dDim(), options.order()));
    }

    @Override
    public int compareTo(Capacity o) {
        return a != o.a ? Integer.compare(a, o.a) : Integer.compare(b, o.b);
    }

    @Override
    public String toString() {
        return a + "x" + b;
    }
}
