package modarch.cli;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.Callable;
import modarch.UserError;
import modarch.model.Family;
import modarch.model.Registry;
import modarch.report.Report;
import picocli.CommandLine.ArgGroup;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine;

@Command(name = "reproduce", mixinStandardHelpOptions = true,
        description = "--quick: the paper's MLP comparison at a size a laptop CPU finishes (sweeps/quick.yaml), then its"
                + " report; --paper mlp|mha|rnn: the plan of the paper's full grid and how to run it.")
final class ReproduceCommand implements Callable<Integer> {
    /** One of the two modes. */
    static final class Mode {
        @Option(names = "--quick", required = true, description = "run sweeps/quick.yaml (a few minutes on 2 cores) and report it")
        boolean quick;

        @Option(names = "--paper", required = true, paramLabel = "FAMILY", description = "mlp | mha | rnn: plan the paper's grid of that family")
        String paper;
    }

    @ArgGroup(exclusive = true, multiplicity = "1")
    Mode mode;

    @Option(names = "--out", description = "results folder (default: results/quick, or results/paper-FAMILY)")
    Path out;

    @CommandLine.Mixin
    DeviceOption device;

    @Option(names = "--quiet", description = "no progress line")
    boolean quiet;

    @Override
    public Integer call() throws IOException {
        if (mode.paper != null) return paper();
        long start = System.nanoTime();
        SweepRunCommand run = new SweepRunCommand();
        run.source = source(sweepFile("quick"));
        run.device = device;
        run.quiet = quiet;
        run.workers = 1;
        int code = run.call();
        if (code != 0) return code;
        Path results = run.source.results();
        Path reportDir = results.resolve("report");
        Report report = Report.load(results);
        report.writeTo(reportDir);
        System.out.println();
        System.out.println(report.headline());
        System.out.printf(Locale.ROOT, "quick reproduction: %s (this pass); report %s, table %s, plots %s%n",
                ProgressBar.formatDuration((System.nanoTime() - start) / 1e9), reportDir.resolve(Report.MARKDOWN),
                reportDir.resolve(Report.CSV), reportDir.resolve(Report.PLOTS));
        return 0;
    }

    /** The plan of the family's full grid: runs, groups, what is complete in its folder, how to run it. */
    private int paper() throws IOException {
        List<String> families = Registry.families().stream().map(Family::name).toList();
        if (!families.contains(mode.paper)) {
            throw new UserError("--paper '" + mode.paper + "' is not allowed: allowed are " + String.join(", ", families));
        }
        SweepPlanCommand plan = new SweepPlanCommand();
        plan.source = source(sweepFile("paper-" + mode.paper));
        plan.device = device;
        plan.noProbe = true;
        int code = plan.call();
        System.out.println("a time estimate for this machine (a short probe of the grid's cheapest and dearest shapes): "
                + InterruptHint.launcher() + " sweep plan "
                + InterruptHint.shellQuote(plan.source.file.toString()));
        return code;
    }

    private SweepSource source(Path file) {
        SweepSource source = new SweepSource();
        source.file = file;
        source.out = out;
        return source;
    }

    /** sweeps/NAME.yaml beside the launcher (its -Dmodarch.home), else under the working directory. */
    static Path sweepFile(String name) throws IOException {
        String home = System.getProperty("modarch.home");
        Path file = (home == null ? Path.of("sweeps") : Path.of(home, "sweeps")).resolve(name + ".yaml");
        if (!Files.isRegularFile(file)) {
            throw new IOException(file + " does not exist: the shipped sweep files are in the repository's sweeps/ folder");
        }
        return file;
    }
}
