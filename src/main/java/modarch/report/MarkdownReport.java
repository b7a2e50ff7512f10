package modarch.report;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.TreeSet;
import java.util.function.Function;
import java.util.stream.Collectors;
import modarch.model.ModelKind;

/**
 * report.md: what was found, then per task variant the table of means and intervals per (kind, rules) with the Random
 * row, the reference's win counts, the runs left out, and the figures with their captions; then per variant with
 * remedies against collapse its {@link RemedyMarkdown} section.
 */
final class MarkdownReport {
    private MarkdownReport() {
    }

    static String write(Path resultsDir, List<RunRow> rows, List<String> skipped, List<Section> sections,
                        Map<Section, List<PlotFile>> figures, List<RemedySection> remedies,
                        Map<RemedySection, List<PlotFile>> remedyFigures) {
        StringBuilder md = new StringBuilder("# modarch report\n\n");
        md.append("Results: `").append(resultsDir.toAbsolutePath().normalize()).append("`. Runs found: ")
                .append(rows.size()).append(" (").append(counts(rows)).append("); skipped for a corrupt file: ")
                .append(skipped.size()).append(". Every run is a row of [").append(Report.CSV).append("](")
                .append(Report.CSV).append(").\n\n");
        if (!skipped.isEmpty()) {
            md.append("Skipped:\n\n");
            for (String s : skipped) md.append("- ").append(s).append('\n');
            md.append('\n');
        }
        for (Section section : sections) section(md, section, figures.getOrDefault(section, List.of()));
        for (RemedySection r : remedies) RemedyMarkdown.section(md, r, remedyFigures.getOrDefault(r, List.of()));
        return md.toString();
    }

    private static String counts(List<RunRow> rows) {
        return Arrays.stream(RunStatus.values())
                .map(s -> rows.stream().filter(r -> r.status() == s).count() + " " + s.csvName())
                .collect(Collectors.joining(", "));
    }

    private static void section(StringBuilder md, Section s, List<PlotFile> figures) {
        md.append("## ").append(s.title()).append("\n\n");
        runs(md, s.variant(), s.runs());
        md.append("\n\n");
        if (!s.complete().isEmpty()) {
            table(md, s);
            wins(md, s);
        }
        leftOut(md, s.runs());
        figures(md, figures);
    }

    /** "Runs: 12 (12 complete, 0 incomplete, 0 diverged). Recipe: ...; capacities ...; data seeds ...; seeds ...". */
    static void runs(StringBuilder md, Variant variant, List<RunRow> runs) {
        md.append("Runs: ").append(runs.size()).append(" (").append(counts(runs)).append("). Recipe: ")
                .append(variant.recipe()).append(". Capacities ")
                .append(distinct(runs, r -> r.capacity().toString())).append("; data seeds ")
                .append(distinct(runs, r -> r.config().dataSeed())).append("; seeds ")
                .append(distinct(runs, r -> r.config().seed())).append('.');
    }

    /** Each figure with its caption and a link to its SVG. */
    static void figures(StringBuilder md, List<PlotFile> figures) {
        for (PlotFile f : figures) {
            md.append("![").append(f.stem()).append("](").append(Report.PLOTS).append('/').append(f.stem())
                    .append(".png)\n\n*").append(f.caption()).append("* ([SVG](").append(Report.PLOTS).append('/')
                    .append(f.stem()).append(".svg))\n\n");
        }
    }

    private static <T extends Comparable<T>> String distinct(List<RunRow> rows, Function<RunRow, T> key) {
        TreeSet<T> values = rows.stream().map(key).collect(Collectors.toCollection(TreeSet::new));
        if (values.isEmpty()) return Numbers.MISSING;
        return values.stream().map(String::valueOf).collect(Collectors.joining(", "));
    }

    private static void table(StringBuilder md, Section s) {
        Performance p = s.performance();
        String oodLength = p.oodLength() > 0 ? " at length " + p.oodLength() + " (the paper's OoD)" : "";
        md.append("Mean ± half-width of the 95% interval (Student t over the n complete runs of a kind and rules,"
                + " pooled over capacities and seeds). ID: " + p.unit() + " in distribution; OoD: the same with inputs"
                + " x 2" + oodLength + ". Routing metrics: 0 best, 1 worst; Random is the uniform activation matrix;"
                + " Monolithic has no routing (" + Numbers.MISSING + ").\n\n");
        List<String> header = new ArrayList<>(List.of("Rules", "Model", "n"));
        for (Quantity q : Quantity.values()) header.add(p.label(q));
        MarkdownTable table = new MarkdownTable(header);
        for (int rules : s.rules()) {
            for (ModelKind kind : s.kinds()) {
                int n = s.runs(kind, rules).size();
                if (n == 0) continue;
                List<String> row = new ArrayList<>(List.of("" + rules, Kinds.label(kind), "" + n));
                for (Quantity q : Quantity.values()) row.add(Numbers.interval(s.interval(kind, rules, q)));
                table.row(row);
            }
            if (s.kinds().stream().anyMatch(ModelKind::routed)) {
                List<String> random = new ArrayList<>(List.of("" + rules, Kinds.RANDOM, Numbers.MISSING));
                for (Quantity q : Quantity.values()) random.add(Numbers.significant(Section.random(rules, q), 4));
                table.row(random);
            }
        }
        md.append(table).append('\n');
    }

    private static void wins(StringBuilder md, Section s) {
        md.append("Wins, as the reference counts them (compute.py): a cell is a rules x capacity x data seed; each"
                + " kind's performance there is its mean over model seeds; the lowest wins, a tie going to the first in"
                + " the order GT-Modular, Modular-op, Monolithic, Modular. A cell lacking a compared kind is"
                + " skipped.\n\n");
        List<String> header = new ArrayList<>(List.of("Ranking", "Cells", "Skipped"));
        for (ModelKind k : Kinds.RANKING) header.add(Kinds.label(k));
        MarkdownTable table = new MarkdownTable(header);
        for (Quantity q : List.of(Quantity.ID, Quantity.OOD)) {
            winRow(table, q.label + ", all kinds", WinCounter.count(s, q, Kinds.RANKING));
        }
        for (Quantity q : List.of(Quantity.ID, Quantity.OOD)) {
            winRow(table, q.label + ", Modular vs Monolithic", WinCounter.count(s, q, Kinds.SUB_RANKING));
        }
        md.append(table).append('\n');
    }

    private static void winRow(MarkdownTable table, String name, WinCounter.Wins wins) {
        if (wins.kinds().size() < 2) {
            List<String> row = new ArrayList<>(List.of(name, "not ranked: fewer than two of its kinds", ""));
            Kinds.RANKING.forEach(k -> row.add(""));
            table.row(row);
            return;
        }
        List<String> row = new ArrayList<>(List.of(name, "" + wins.cells(), "" + wins.skipped()));
        for (ModelKind k : Kinds.RANKING) row.add(wins.kinds().contains(k) ? "" + wins.count(k) : Numbers.MISSING);
        table.row(row);
    }

    /** The runs that are not complete, each with its kind, rules, remedy (if any) and why. */
    static void leftOut(StringBuilder md, List<RunRow> runs) {
        List<RunRow> out = runs.stream().filter(r -> !r.complete()).toList();
        if (out.isEmpty()) return;
        md.append("Not aggregated (").append(out.size()).append("):\n\n");
        for (RunRow r : out) {
            md.append("- `").append(r.path()).append("` (").append(Kinds.label(r.kind())).append(", rules ")
                    .append(r.rules()).append(r.remedy().none() ? "" : ", " + r.remedy().label()).append("): ")
                    .append(r.status().csvName()).append(": ").append(r.note()).append('\n');
        }
        md.append('\n');
    }
}
