package modarch.train;

import java.util.List;
import java.util.Map;
import modarch.model.Family;
import modarch.model.RunOption;

/**
 * A family's width pair, the paper's "capacity": the two options of {@link Family#capacity()}, MLP (enc_dim, dim),
 * MHA (dim, att_dim), RNN (enc_dim, h_dim); written "AxB".
 */
public record Capacity(int a, int b) implements Comparable<Capacity> {
    public static Capacity of(TrainConfig config) {
        return of(config.task().family(), config.options().values());
    }

    /** The pair's names, for messages: "[enc_dim, dim]". */
    public static String names(Family family) {
        return "[" + String.join(", ", family.capacity().stream().map(RunOption::key).toList()) + "]";
    }

    /** The family's default pair: MLP (32, 128), MHA (128, 512), RNN (128, 128). */
    public static Capacity defaults(Family family) {
        return of(family, family.defaults().values());
    }

    private static Capacity of(Family family, Map<String, Object> values) {
        List<RunOption> pair = family.capacity();
        return new Capacity(((Number) values.get(pair.get(0).key())).intValue(),
                ((Number) values.get(pair.get(1).key())).intValue());
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
