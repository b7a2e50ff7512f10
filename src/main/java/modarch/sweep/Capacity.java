package modarch.sweep;

import modarch.model.Family;
import modarch.model.FamilyOptions;
import modarch.model.TaskSpec;
import modarch.train.TrainConfig;

/**
 * A family's width pair, the paper's "capacity": MLP (enc_dim, dim), MHA (dim, att_dim), RNN (enc_dim, h_dim).
 */
public final class Capacity {
    private Capacity() {
    }

    /** The pair's names, for messages and the report. */
    public static String names(Family family) {
        return family.attention() ? "[dim, att_dim]" : family.recurrent() ? "[enc_dim, h_dim]" : "[enc_dim, dim]";
    }

    /** The command line's default pair: MLP (32, 128), MHA (128, 512), RNN (128, 128). */
    public static int[] defaults(Family family) {
        return family.attention() ? new int[] {128, family.defaults().attDim()}
                : family.recurrent() ? new int[] {128, 128} : new int[] {32, 128};
    }

    public static int[] of(TrainConfig config) {
        return config.task().family().attention() ? new int[] {config.dim(), config.options().attDim()}
                : new int[] {config.encDim(), config.dim()};
    }

    /** The widths a TrainConfig takes. */
    record Widths(int encDim, int dim, FamilyOptions options) {
    }

    /** The config's (encDim, dim) and family options for a pair: MHA's second width is att_dim, an option. */
    static Widths widths(TaskSpec task, int[] pair, FamilyOptions options) {
        if (!task.family().attention()) return new Widths(pair[0], pair[1], options);
        return new Widths(0, pair[0], new FamilyOptions(pair[1], options.searchVersion(), options.seqLen(),
                options.attentionTopK(), options.dDim(), options.order()));
    }
}
