package modarch.report;

import java.util.List;
import modarch.model.ModelKind;

/** The terminal's summary: per task variant and rules, each kind's performance and two routing metrics. */
final class Headline {
    private Headline() {
    }

    /**
     * A Markdown table: ID and OoD performance mean ± 95% half-width, Collapse-Avg and Alignment means; a section
     * without complete runs has no row.
     */
    static String of(List<Section> sections) {
        MarkdownTable table = new MarkdownTable(List.of("Task", "Rules", "Model", "n", "ID", "OoD", "Collapse-Avg",
                "Alignment"));
        for (Section s : sections) {
            for (int rules : s.rules()) {
                for (ModelKind kind : s.kinds()) {
                    int n = s.runs(kind, rules).size();
                    if (n == 0) continue;
                    table.row(List.of(s.title(), "" + rules, Kinds.label(kind), "" + n,
                            Numbers.interval(s.interval(kind, rules, Quantity.ID)),
                            Numbers.interval(s.interval(kind, rules, Quantity.OOD)),
                            Numbers.significant(s.interval(kind, rules, Quantity.COLLAPSE_AVG).mean(), 3),
                            Numbers.significant(s.interval(kind, rules, Quantity.ALIGNMENT).mean(), 3)));
                }
            }
        }
        if (table.isEmpty()) return "no complete run (each needs metrics.json of its last iteration: modarch eval)\n";
        return table + "\nID, OoD (inputs x 2; sequence tasks at the longest length): L1 loss (regression) or error %"
                + " (classification), mean ± 95% half-width over the n complete runs.\n";
    }
}
