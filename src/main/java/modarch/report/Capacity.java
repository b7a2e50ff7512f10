package modarch.report;

import modarch.train.TrainConfig;

/** A run's width pair: mlp (enc_dim, dim), mha (dim, att_dim), rnn (enc_dim, h_dim); written "AxB". */
public record Capacity(int a, int b) implements Comparable<Capacity> {
    public static Capacity of(TrainConfig config) {
        return config.task().family().attention() ? new Capacity(config.dim(), config.options().attDim())
                : new Capacity(config.encDim(), config.dim());
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
