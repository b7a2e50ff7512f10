package modarch.report;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.stream.Collectors;
import modarch.model.ModelKind;

/**
 * The remedies against collapse of one task variant (issue 12): its runs grouped by {@link Remedy}, the paper's recipe
 * (no remedy, the baseline) among them, each group a {@link Section} whose (kind, rules) statistics it compares.
 */
final class RemedySection {
    /** The quantities compared (the list; adaptation is in results.csv). */
    static final List<Quantity> QUANTITIES = List.of(Quantity.ID, Quantity.OOD, Quantity.COLLAPSE_AVG,
            Quantity.COLLAPSE_WORST, Quantity.ALIGNMENT, Quantity.INVERSE_MI);

    private final Variant variant;
    private final List<RunRow> runs;
    /** NONE (the paper's recipe, even without runs) and every remedy of the variant's runs, in order. */
    private final Map<Remedy, Section> byRemedy;
    /** The complete runs under a remedy (not NONE): they choose the kinds, rules, levers and levels compared. */
    private final List<RunRow> remedied;
    private final Performance performance;

    private RemedySection(Variant variant, boolean withRecipe, List<RunRow> runs) {
        this.variant = variant;
        this.runs = List.copyOf(runs);
        Map<Remedy, List<RunRow>> groups = new TreeMap<>(Map.of(Remedy.NONE, List.of()));
        groups.putAll(runs.stream().collect(Collectors.groupingBy(RunRow::remedy)));
        this.byRemedy = new TreeMap<>();
        groups.forEach((remedy, group) -> byRemedy.put(remedy, new Section(variant, withRecipe, group)));
        this.remedied = runs.stream().filter(r -> r.complete() && !r.remedy().none()).toList();
        this.performance = Performance.of(variant, runs.stream().filter(RunRow::complete).toList());
    }

    /** One per variant of rows with a run under a remedy, in report order (titles as {@link Section#of}'s). */
    static List<RemedySection> of(List<RunRow> rows) {
        Map<Variant, List<RunRow>> byVariant = Variant.group(rows);
        List<RemedySection> sections = new ArrayList<>();
        byVariant.forEach((v, runs) -> {
            if (runs.stream().anyMatch(r -> !r.remedy().none())) {
                sections.add(new RemedySection(v, v.recipeNeeded(byVariant.keySet()), runs));
            }
        });
        return sections;
    }

    Variant variant() {
        return variant;
    }

    /** The variant's title and file-name stem: its baseline section's (the same variant and recipe naming). */
    String title() {
        return byRemedy.get(Remedy.NONE).title();
    }

    String slug() {
        return byRemedy.get(Remedy.NONE).slug();
    }

    Performance performance() {
        return performance;
    }

    /** Every run of the variant, the paper's recipe included, in report order. */
    List<RunRow> runs() {
        return runs;
    }

    /** NONE (the paper's recipe, even without runs), then every remedy of the variant's runs in order. */
    List<Remedy> remedies() {
        return List.copyOf(byRemedy.keySet());
    }

    /** The kinds with a complete run under a remedy, in the paper's order. */
    List<ModelKind> kinds() {
        return Kinds.DISPLAY.stream().filter(k -> remedied.stream().anyMatch(r -> r.kind() == k)).toList();
    }

    /** The rules values with a complete run under a remedy, ascending. */
    List<Integer> rules() {
        return remedied.stream().map(RunRow::rules).distinct().sorted().toList();
    }

    /** The levers pulled alone in a complete run, in lever order: the lines of the plots. */
    List<Remedy.Lever> levers() {
        return remedied.stream().map(r -> r.remedy().lever()).filter(Objects::nonNull).distinct().sorted().toList();
    }

    /**
     * The levels of the x axis of levers: 0 (the paper's recipe), then every level at which one of them is pulled
     * alone in a complete run, ascending.
     */
    List<Double> levels(List<Remedy.Lever> levers) {
        TreeSet<Double> levels = new TreeSet<>(List.of(0.0));
        for (RunRow run : remedied) {
            Remedy.Lever lever = run.remedy().lever();
            if (levers.contains(lever)) levels.add(run.remedy().levels().get(lever));
        }
        return List.copyOf(levels);
    }

    /** The number of complete runs of kind at rules under remedy. */
    int count(Remedy remedy, ModelKind kind, int rules) {
        Section s = byRemedy.get(remedy);
        return s == null ? 0 : s.runs(kind, rules).size();
    }

    /** Mean and 95% interval of q over the complete runs of kind at rules under remedy (none: n = 0). */
    Interval interval(Remedy remedy, ModelKind kind, int rules, Quantity q) {
        Section s = byRemedy.get(remedy);
        return s == null ? Interval.EMPTY : s.interval(kind, rules, q);
    }

    /**
     * The line of lever alone: q's interval at each of levels, the one at 0 the paper's recipe's (the same point
     * starts every lever's line); n = 0 where no run was.
     */
    List<Interval> line(Remedy.Lever lever, List<Double> levels, ModelKind kind, int rules, Quantity q) {
        return levels.stream().map(level -> interval(Remedy.of(lever, level), kind, rules, q)).toList();
    }
}
