package modarch.report;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import modarch.model.ModelKind;
import modarch.train.Capacity;

/**
 * The reference's win counts (compute.py's get_min and rank). A cell is a (rules, capacity, data seed) of a variant;
 * in each, every kind's performance is its mean over the model seeds, and the lowest mean wins (strict {@code <} in the
 * ranking order, so a tie goes to the kind met first). The cells are those of the section's complete runs; only those
 * holding every compared kind count, the others are skipped.
 */
final class WinCounter {
    private record Cell(int rules, Capacity capacity, long dataSeed) {
    }

    /**
     * The wins of the kinds compared: those of order that the variant has.
     *
     * @param kinds   the kinds compared, in ranking order
     * @param counts  (kinds) the cells each kind won
     * @param cells   the cells that count
     * @param skipped the cells that lack a compared kind
     */
    record Wins(List<ModelKind> kinds, int[] counts, int cells, int skipped) {
        int count(ModelKind kind) {
            int i = kinds.indexOf(kind);
            return i < 0 ? 0 : counts[i];
        }
    }

    private WinCounter() {
    }

    /** The wins of q (ID or OoD performance) in a section, among the kinds of order it has. */
    static Wins count(Section section, Quantity q, List<ModelKind> order) {
        List<ModelKind> compared = order.stream().filter(section.kinds()::contains).toList();
        Map<Cell, Map<ModelKind, List<Double>>> cells = new HashMap<>();
        for (RunRow run : section.complete()) {
            double v = section.value(run, q);
            Map<ModelKind, List<Double>> cell = cells.computeIfAbsent(
                    new Cell(run.rules(), run.capacity(), run.config().dataSeed()), c -> new HashMap<>());
            if (Double.isFinite(v)) cell.computeIfAbsent(run.kind(), k -> new ArrayList<>()).add(v);
        }
        int[] counts = new int[compared.size()];
        int counted = 0;
        int skipped = 0;
        for (Map<ModelKind, List<Double>> cell : cells.values()) {
            if (compared.isEmpty() || !cell.keySet().containsAll(compared)) { // nothing to rank, or a kind missing
                skipped++;
                continue;
            }
            int winner = -1;
            double best = Double.POSITIVE_INFINITY;
            for (int k = 0; k < compared.size(); k++) {
                double mean = cell.get(compared.get(k)).stream().mapToDouble(Double::doubleValue).average()
                        .orElseThrow();
                if (mean < best) {
                    best = mean;
                    winner = k;
                }
            }
            counts[winner]++;
            counted++;
        }
        return new Wins(compared, counts, counted, skipped);
    }
}
