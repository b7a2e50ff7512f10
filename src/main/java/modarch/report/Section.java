package modarch.report;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentHashMap;
import java.util.stream.Collectors;
import modarch.model.ModelKind;
import modarch.train.RunEvaluator;

/**
 * One section of the report: the runs of a task variant, its title and file-name stem, and the statistics of its
 * (kind, rules) groups over the complete runs, pooled over capacities and seeds.
 */
final class Section {
    /** The Random rows by rules, computed once (adaptation draws 100 Dirichlet distributions). */
    private static final Map<Integer, Map<String, Object>> RANDOM = new ConcurrentHashMap<>();

    private final Variant variant;
    private final String title;
    private final String slug;
    private final List<RunRow> runs;
    private final List<RunRow> complete;
    private final Performance performance;

    private Section(Variant variant, boolean withRecipe, List<RunRow> runs) {
        this.variant = variant;
        this.title = variant.title(withRecipe);
        this.slug = variant.slug(withRecipe);
        this.runs = List.copyOf(runs);
        this.complete = runs.stream().filter(RunRow::complete).toList();
        this.performance = Performance.of(variant, complete);
    }

    /**
     * The sections of rows (in report order), one per variant; titles and file names name the recipe (iterations,
     * batch size, lr) only where one task with the same options was trained with several.
     */
    static List<Section> of(List<RunRow> rows) {
        Map<Variant, List<RunRow>> byVariant = rows.stream()
                .collect(Collectors.groupingBy(RunRow::variant, TreeMap::new, Collectors.toList()));
        Map<String, Long> recipesPerTitle = byVariant.keySet().stream()
                .collect(Collectors.groupingBy(v -> v.title(false), Collectors.counting()));
        List<Section> sections = new ArrayList<>();
        byVariant.forEach((v, runs) -> sections.add(new Section(v, recipesPerTitle.get(v.title(false)) > 1, runs)));
        return sections;
    }

    Variant variant() {
        return variant;
    }

    String title() {
        return title;
    }

    String slug() {
        return slug;
    }

    Performance performance() {
        return performance;
    }

    /** Every run of the variant, in report order. */
    List<RunRow> runs() {
        return runs;
    }

    List<RunRow> complete() {
        return complete;
    }

    /** The rules values of the complete runs, ascending. */
    List<Integer> rules() {
        return complete.stream().map(RunRow::rules).distinct().sorted().toList();
    }

    /** The kinds of the complete runs, in the paper's order. */
    List<ModelKind> kinds() {
        return Kinds.DISPLAY.stream().filter(k -> complete.stream().anyMatch(r -> r.kind() == k)).toList();
    }

    /** The complete runs of one kind and rules value. */
    List<RunRow> runs(ModelKind kind, int rules) {
        return complete.stream().filter(r -> r.kind() == kind && r.rules() == rules).toList();
    }

    /** A run's value of q (NaN when it has none). */
    double value(RunRow row, Quantity q) {
        return row.metric(performance.key(q));
    }

    /** Mean and 95% interval of q over the complete runs of kind at rules. */
    Interval interval(ModelKind kind, int rules, Quantity q) {
        return Interval.of(runs(kind, rules).stream().map(r -> value(r, q)).toList());
    }

    /** The Random row's value of a routing quantity at rules (NaN for the performance quantities). */
    static double random(int rules, Quantity q) {
        if (q.key == null) return Double.NaN;
        return (Double) RANDOM.computeIfAbsent(rules, RunEvaluator::randomBaseline).get(q.key);
    }
}
