package modarch.report;

import java.util.ArrayList;
import java.util.List;
import modarch.model.ModelKind;

/**
 * report.md's "Remedies against collapse" section of a task variant: per kind and rules a table of each remedy's
 * means and intervals (the paper's recipe first) with the Random row, the runs under a remedy left out, the figures.
 */
final class RemedyMarkdown {
    private RemedyMarkdown() {
    }

    static void section(StringBuilder md, RemedySection s, List<PlotFile> figures) {
        md.append("## Remedies against collapse: ").append(s.title()).append("\n\n");
        MarkdownReport.runs(md, s.variant(), s.runs());
        boolean paper = s.runs().stream().anyMatch(r -> r.remedy().none());
        md.append(" It compares the paper's recipe (none) with ").append(s.remedies().size() - 1)
                .append(" remedies against collapse (beyond the paper), each named by the lever it pulls and its level"
                        + " (for a routing regulariser, its weight λ in the loss; see the README's \"Remedies against"
                        + " collapse\"); ")
                .append(paper ? "the runs of the paper's recipe are also this variant's section above.\n\n"
                        : "this variant has no run of the paper's recipe.\n\n");
        if (!s.kinds().isEmpty()) {
            Performance p = s.performance();
            md.append("Mean ± half-width of the 95% interval (Student t over the n complete runs of a remedy, kind and"
                    + " rules, pooled over capacities and seeds). ID: " + p.unit() + " in distribution; OoD: the same"
                    + " with inputs x 2" + (p.oodLength() > 0 ? " at length " + p.oodLength() : "") + ". Routing"
                    + " metrics: 0 best, 1 worst; Random is the uniform activation matrix.\n\n");
            for (ModelKind kind : s.kinds()) {
                for (int rules : s.rules()) table(md, s, kind, rules);
            }
        }
        MarkdownReport.leftOut(md, s.runs().stream().filter(r -> !r.remedy().none()).toList());
        MarkdownReport.figures(md, figures);
    }

    private static void table(StringBuilder md, RemedySection s, ModelKind kind, int rules) {
        md.append("### ").append(Kinds.label(kind)).append(", ").append(rules).append(" rules\n\n");
        List<String> header = new ArrayList<>(List.of("Remedy", "n"));
        for (Quantity q : RemedySection.QUANTITIES) header.add(s.performance().label(q));
        MarkdownTable table = new MarkdownTable(header);
        for (Remedy remedy : s.remedies()) {
            List<String> row = new ArrayList<>(List.of(remedy.label(), "" + s.count(remedy, kind, rules)));
            for (Quantity q : RemedySection.QUANTITIES) row.add(Numbers.interval(s.interval(remedy, kind, rules, q)));
            table.row(row);
        }
        List<String> random = new ArrayList<>(List.of(Kinds.RANDOM, Numbers.MISSING));
        for (Quantity q : RemedySection.QUANTITIES) random.add(Numbers.significant(Section.random(rules, q), 4));
        md.append(table.row(random)).append('\n');
    }
}
