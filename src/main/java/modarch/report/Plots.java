package modarch.report;

import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.stream.Collectors;

/** Draws a section's figures into the plots directory and says what each shows. */
final class Plots {
    static {
        // before the first chart touches AWT: the launcher may run where no display is (a cluster node, CI, ssh)
        System.setProperty("java.awt.headless", "true");
    }

    private Plots() {
    }

    /**
     * Writes the section's figures (performance, routing metrics, training curves, activation matrices) into dir;
     * none without a complete run.
     *
     * @param heatmapRules the rules of the activation matrices; 0 for {@link HeatmapPlot#defaultRules}
     */
    static List<PlotFile> write(Section section, Path dir, int heatmapRules) throws IOException {
        if (section.complete().isEmpty()) return List.of();
        String stem = section.slug();
        String pooled = "over the complete runs of each kind and rules, pooled over capacities and seeds";
        String whiskers = "whiskers: 95% Student-t interval of the mean";
        List<PlotFile> files = new ArrayList<>();

        Performance p = section.performance();
        String ood = p.oodLength() > 0 ? "inputs x 2, length " + p.oodLength() : "inputs x 2";
        files.add(write(PerformancePlot.of(section), dir, new PlotFile(stem + "-performance", p.unit() + " against"
                + " rules (log2 axis), ID and OoD (" + ood + "): the mean " + pooled + "; " + whiskers + ".")));

        Figure metrics = MetricBarsPlot.of(section);
        if (metrics != null) {
            files.add(write(metrics, dir, new PlotFile(stem + "-metrics", "Routing metrics per rules (0 best, 1"
                    + " worst): bars the mean " + pooled + ", " + whiskers + " (the scale is [0, 1] whatever their"
                    + " length); Random the uniform activation matrix.")));
        }

        boolean classification = section.variant().classification();
        files.add(write(TrainingCurvesPlot.of(section), dir, new PlotFile(stem + "-training", "Training curves from"
                + " log.jsonl, one row per rules value: the mean per kind over its complete runs of the evaluation "
                + (classification ? "BCE loss (log scale) and error" : "L1 loss (log scale)")
                + ", ID and OoD (inputs x 2, training length), against the training iteration.")));

        int rules = heatmapRules > 0 ? heatmapRules : HeatmapPlot.defaultRules(section);
        List<RunRow> runs = rules > 0 ? HeatmapPlot.runs(section, rules) : List.of();
        if (!runs.isEmpty()) {
            files.add(write(HeatmapPlot.of(runs), dir, new PlotFile(stem + "-heatmap-r" + rules, "Activation"
                    + " matrices times R (rows: ground-truth rules, columns: modules; a perfect specialist is 1 on a"
                    + " permutation, uniform routing 1/R everywhere), one run per routed kind: "
                    + runs.stream().map(HeatmapPlot::cell).collect(Collectors.joining("; ")) + ".")));
        }
        return files;
    }

    /** Writes the remedies' figures into dir, one per quantity compared (none without a lever pulled alone). */
    static List<PlotFile> write(RemedySection section, Path dir) throws IOException {
        if (section.levers().isEmpty()) return List.of();
        List<PlotFile> files = new ArrayList<>();
        for (Quantity q : RemedySection.QUANTITIES) {
            String stem = section.slug() + "-remedies-" + q.label.toLowerCase(Locale.ROOT).replace(' ', '-');
            files.add(write(RemedyPlot.of(section, q), dir, new PlotFile(stem, RemedyPlot.measure(section, q)
                    + " against the level of each remedy pulled alone, a panel per kind and rules, a line per remedy"
                    + " starting from the paper's recipe (level 0, the same runs in every line): the mean over the"
                    + " complete runs of a remedy, kind and rules, pooled over capacities and seeds; whiskers: 95%"
                    + " Student-t interval of the mean.")));
        }
        return files;
    }

    private static PlotFile write(Figure figure, Path dir, PlotFile file) throws IOException {
        figure.write(dir, file.stem());
        return file;
    }
}
