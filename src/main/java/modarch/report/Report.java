package modarch.report;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeSet;
import java.util.stream.Collectors;
import modarch.UserError;
import modarch.io.AtomicFiles;

/**
 * The report of every run under a results directory: results.csv (one row per run), report.md (per task variant, over
 * its runs of the paper's recipe: means and 95% intervals per kind and rules, the Random row, the reference's win
 * counts, the runs left out; per variant with runs under a remedy against collapse, each remedy's means and intervals
 * per kind and rules) and its figures under plots/ (PNG and SVG). Loading reads and checks everything; writing writes
 * each file atomically, the figures first and report.md last.
 */
public final class Report {
    public static final String CSV = "results.csv";
    public static final String MARKDOWN = "report.md";
    public static final String PLOTS = "plots";

    private final Path resultsDir;
    private final RunLoader.Scan scan;
    private final List<Section> sections;
    private final List<RemedySection> remedies;
    /** The rules of the activation-matrix figures; 0: each variant's default. */
    private final int heatmapRules;

    private Report(Path resultsDir, RunLoader.Scan scan, int heatmapRules) {
        this.resultsDir = resultsDir;
        this.scan = scan;
        this.sections = Section.of(scan.rows());
        this.remedies = RemedySection.of(scan.rows());
        this.heatmapRules = heatmapRules;
    }

    /**
     * Finds and reads every run under resultsDir. A UserError when it is not a directory or holds no readable run; an
     * IOException when a directory or file cannot be read.
     */
    public static Report load(Path resultsDir) throws IOException {
        if (!Files.exists(resultsDir)) {
            throw new UserError(resultsDir + " does not exist: RESULTS_DIR is a directory holding runs (config.json)");
        }
        if (!Files.isDirectory(resultsDir)) {
            throw new UserError(resultsDir + " is a file: RESULTS_DIR is a directory holding runs (config.json)");
        }
        RunLoader.Scan scan = RunLoader.scan(resultsDir);
        if (scan.rows().isEmpty()) {
            throw new UserError(resultsDir + " holds no readable run (a directory with config.json, at any depth)"
                    + (scan.skipped().isEmpty() ? "" : ": " + scan.skipped().size() + " skipped, the first "
                    + scan.skipped().get(0)));
        }
        return new Report(resultsDir, scan, 0);
    }

    /** The same report drawing the activation matrices of rules rules; a UserError when no variant can. */
    public Report withHeatmapRules(int rules) {
        TreeSet<Integer> drawable = new TreeSet<>();
        for (Section s : sections) {
            for (int r : s.rules()) {
                if (!HeatmapPlot.runs(s, r).isEmpty()) drawable.add(r);
            }
        }
        if (!drawable.contains(rules)) {
            throw new UserError("--heatmap-rules " + rules + " is not allowed: no complete routed run with an"
                    + " activation matrix has " + rules + " rules; present are " + (drawable.isEmpty() ? "none"
                    : drawable.stream().map(String::valueOf).collect(Collectors.joining(", "))));
        }
        return new Report(resultsDir, scan, rules);
    }

    /** Every run found, in report order. */
    public List<RunRow> rows() {
        return scan.rows();
    }

    /** One line per run skipped for a corrupt file, naming the file. */
    public List<String> warnings() {
        return scan.skipped();
    }

    /** Writes outDir/results.csv, outDir/report.md and outDir/plots/*.png|svg (creating the directories). */
    public void writeTo(Path outDir) throws IOException {
        Path plots = outDir.resolve(PLOTS);
        Files.createDirectories(plots);
        Map<Section, List<PlotFile>> figures = new LinkedHashMap<>();
        for (Section s : sections) figures.put(s, Plots.write(s, plots, heatmapRules));
        Map<RemedySection, List<PlotFile>> remedyFigures = new LinkedHashMap<>();
        for (RemedySection r : remedies) remedyFigures.put(r, Plots.write(r, plots));
        AtomicFiles.writeString(outDir.resolve(CSV), ResultsCsv.write(scan.rows()));
        AtomicFiles.writeString(outDir.resolve(MARKDOWN), MarkdownReport.write(resultsDir, scan.rows(),
                scan.skipped(), sections, figures, remedies, remedyFigures));
    }

    /**
     * A short Markdown table for the terminal: per task variant and rules, each kind's performance and routing under
     * the paper's recipe.
     */
    public String headline() {
        return Headline.of(sections);
    }
}
