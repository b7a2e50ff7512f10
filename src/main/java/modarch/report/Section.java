package modarch.report;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import modarch.model.ModelKind;
import modarch.train.RunEvaluator;

/**
 * One section of the report: the runs of a task variant with one remedy against collapse (the paper's recipe, unless
 * it is part of a {@link RemedySection}), its title and file-name stem, and the statistics of its (kind, rules) groups
 * over the complete runs, pooled over capacities and seeds.
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

    Section(Variant variant, boolean withRecipe, List<RunRow> runs) {
        this.variant = variant;
        this.title = variant.title(withRecipe);
        this.slug = variant.slug(withRecipe);
        this.runs = List.copyOf(runs);
        this.complete = runs.stream().filter(RunRow::complete).toList();
        this.performance = Performance.of(variant, complete);
    }

    /**
     * The sections of the paper's recipe in rows (report order): per variant, its runs without a remedy against
     * collapse (none: no section); titles and file names name the recipe only where {@link Variant#recipeNeeded}.
     */
    static List<Section> of(List<RunRow> rows) {
        Map<Variant, List<RunRow>> byVariant = Variant.group(rows);
        List<Section> sections = new ArrayList<>();
        byVariant.forEach((v, runs) -> {
            List<RunRow> paper = runs.stream().filter(r -> r.remedy().none()).toList();
            if (!paper.isEmpty()) sections.add(new Section(v, v.recipeNeeded(byVariant.keySet()), paper));
        });
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
