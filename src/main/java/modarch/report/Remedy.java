package modarch.report;

import java.math.BigDecimal;
import java.util.Collections;
import java.util.EnumMap;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.stream.Collectors;
import java.util.stream.Stream;
import modarch.model.RunOption;
import modarch.train.TrainConfig;
import modarch.train.TrainOptions;

/**
 * A run's remedy against routing collapse (issue 12, beyond the paper): the level of every lever it pulls, a lever
 * at 0 left out. {@link #NONE}, no lever pulled, is the paper's recipe. Runs of one {@link Variant} that differ only
 * in their remedy are compared in the report's "Remedies against collapse" section. Order: NONE first, then
 * one-lever remedies by lever and level, then those pulling more levers.
 */
record Remedy(Map<Lever, Double> levels) implements Comparable<Remedy> {
    static final Remedy NONE = new Remedy(Map.of());

    /**
     * A setting of the routing that counters collapse: its name, its option (config.json's key is its results.csv
     * column), the title of the plots' x axis; its level in a run's config is the option's value (0: off, the paper's
     * recipe). Levers sharing an
     * axis title share the plots' panels. A new lever is one more constant here and its colour in
     * {@link ChartStyle#color(Lever)} (an exhaustive switch); {@link Variant#of} leaves every lever out of the variant.
     */
    enum Lever {
        LOAD_BALANCE("load balance", TrainOptions.LOAD_BALANCE, "Weight λ"),
        ROUTER_Z_LOSS("router z-loss", TrainOptions.ROUTER_Z_LOSS, "Weight λ"),
        MI_LOSS("MI loss", TrainOptions.MI_LOSS, "Weight λ"),
        ROUTER_TOP_K("top-k routing", TrainOptions.ROUTER_TOPK, "Modules per example K (0: all, dense)");

        final String label;
        final String key;
        final String axis;
        private final RunOption option;

        Lever(String label, RunOption option, String axis) {
            this.label = label;
            this.key = option.key();
            this.axis = axis;
            this.option = option;
        }

        double level(TrainConfig config) {
            return TrainOptions.value(config, option).doubleValue();
        }

        /** The results.csv columns, in lever order. */
        static List<String> keys() {
            return Stream.of(values()).map(l -> l.key).toList();
        }
    }

    /** levels copied in lever order, the levels at 0 dropped. */
    Remedy {
        Map<Lever, Double> pulled = new EnumMap<>(Lever.class);
        levels.forEach((lever, level) -> {
            if (level != 0) pulled.put(lever, level);
        });
        levels = Collections.unmodifiableMap(pulled);
    }

    static Remedy of(TrainConfig config) {
        Map<Lever, Double> levels = new EnumMap<>(Lever.class);
        for (Lever lever : Lever.values()) levels.put(lever, lever.level(config));
        return new Remedy(levels);
    }

    /** lever alone at level (NONE at level 0). */
    static Remedy of(Lever lever, double level) {
        return new Remedy(Map.of(lever, level));
    }

    boolean none() {
        return levels.isEmpty();
    }

    /** The one lever pulled; null for NONE and for a remedy pulling several (drawn in no plot's line). */
    Lever lever() {
        return levels.size() == 1 ? levels.keySet().iterator().next() : null;
    }

    /** "none (the paper's recipe)", "load balance 0.1", "load balance 0.1 + MI loss 1". */
    String label() {
        if (none()) return "none (the paper's recipe)";
        return levels.entrySet().stream().map(e -> e.getKey().label + " " + plain(e.getValue()))
                .collect(Collectors.joining(" + "));
    }

    /** A level as written in tables, ticks and results.csv: 0.1, not 0.10000 nor 1.0E-1; 2 for 2.0. */
    static String plain(double level) {
        return BigDecimal.valueOf(level).stripTrailingZeros().toPlainString();
    }

    @Override
    public int compareTo(Remedy o) {
        int c = Integer.compare(levels.size(), o.levels.size());
        Iterator<Map.Entry<Lever, Double>> mine = levels.entrySet().iterator();
        Iterator<Map.Entry<Lever, Double>> theirs = o.levels.entrySet().iterator();
        while (c == 0 && mine.hasNext()) {
            Map.Entry<Lever, Double> a = mine.next();
            Map.Entry<Lever, Double> b = theirs.next();
            c = a.getKey() != b.getKey() ? a.getKey().compareTo(b.getKey())
                    : Double.compare(a.getValue(), b.getValue());
        }
        return c;
    }
}
