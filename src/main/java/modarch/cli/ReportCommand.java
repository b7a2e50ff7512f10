package modarch.cli;

import java.io.IOException;
import java.nio.file.Path;
import java.util.concurrent.Callable;
import modarch.report.Report;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

@Command(name = "report", mixinStandardHelpOptions = true,
        description = "Aggregate every run under RESULTS_DIR (any directory holding config.json) into results.csv, "
                + "report.md and plots (PNG and SVG), and print a summary table.")
final class ReportCommand implements Callable<Integer> {
    @Parameters(index = "0", paramLabel = "RESULTS_DIR", description = "a directory holding runs, at any depth")
    Path results;

    @Option(names = "--out", paramLabel = "DIR", description = "where to write (default: RESULTS_DIR/report)")
    Path out;

    @Option(names = "--heatmap-rules", paramLabel = "R",
            description = "rules of the activation-matrix plots (default: per task, the largest <= 8 present)")
    Integer heatmapRules;

    @Override
    public Integer call() throws IOException {
        Report report = Report.load(results);
        if (heatmapRules != null) report = report.withHeatmapRules(heatmapRules);
        for (String warning : report.warnings()) System.err.println("modarch: warning: " + warning);
        Path dir = out != null ? out : results.resolve("report");
        report.writeTo(dir);
        System.out.println("wrote " + dir.resolve(Report.MARKDOWN) + ", " + dir.resolve(Report.CSV) + " (runs: "
                + report.rows().size() + ") and " + dir.resolve(Report.PLOTS) + "/");
        System.out.println();
        System.out.print(report.headline());
        return 0;
    }
}
