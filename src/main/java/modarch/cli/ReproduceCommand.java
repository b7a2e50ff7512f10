package modarch.cli;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.Callable;
import modarch.UserError;
import modarch.backend.cuda.CudaProbe;
import modarch.model.Family;
import modarch.model.Registry;
import modarch.report.Report;
import modarch.train.TrainConfig;
import picocli.CommandLine.ArgGroup;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine;

@Command(name = "reproduce", mixinStandardHelpOptions = true,
        description = "--quick: the paper's MLP comparison at a size a laptop CPU finishes (sweeps/quick.yaml), then its"
                + " report; --quick --family mha|rnn: that family's contrasts, sized for one GPU; --paper mlp|mha|rnn:"
                + " the plan of the paper's full grid and how to run it.")
final class ReproduceCommand implements Callable<Integer> {
    private static final String QUICK_MLP = "quick";

    /** One of the two modes. */
    static final class Mode {
        @Option(names = "--quick", required = true, description = "run sweeps/quick.yaml (a few minutes on 2 cores), or"
                + " --family's quick sweep, and report it")
        boolean quick;

        @Option(names = "--paper", required = true, paramLabel = "FAMILY", description = "mlp | mha | rnn: plan the paper's grid of that family")
        String paper;
    }

    @ArgGroup(exclusive = true, multiplicity = "1")
    Mode mode;

    @Option(names = "--family", paramLabel = "FAMILY", description = "with --quick: mlp (the default,"
            + " sweeps/quick.yaml), mha or rnn (sweeps/quick-FAMILY.yaml, sized for one GPU: without one it prints the"
            + " plan and this machine's estimate, and runs only with --device cpu)")
    String family;

    @Option(names = "--precision", paramLabel = "<precision>", description = "with --quick: every run's matrix"
            + " products in fp32 (the default), tf32 or 3xtf32; a precision other than fp32 adds -PRECISION to the"
            + " results folder's name")
    String precision;

    @Option(names = "--out", description = "results folder (default: results/quick, results/quick-FAMILY, with"
            + " -PRECISION unless fp32; or results/paper-FAMILY)")
    Path out;

    @CommandLine.Mixin
    DeviceOption device;

    @Option(names = "--quiet", description = "no progress line")
    boolean quiet;

    @Override
    public Integer call() throws IOException {
        if (mode.paper != null) {
            if (family != null || precision != null) {
                throw new UserError("--family and --precision go with --quick: --paper names its family itself");
            }
            return paper();
        }
        long start = System.nanoTime();
        String quick = quickSweep();
        SweepSource source = source(sweepFile(quick));
        if (precision != null) source.precision = TrainConfig.precision(precision);
        CudaProbe cuda = CudaProbe.get();
        if (!quick.equals(QUICK_MLP) && device.device.equals("auto") && !cuda.usable()) {
            return planWithoutGpu(source, cuda.reason());
        }
        SweepRunCommand run = new SweepRunCommand();
        run.source = source;
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

    /** The quick sweep of --family: quick (mlp) or quick-FAMILY. */
    private String quickSweep() {
        if (family == null || family.equals("mlp")) return QUICK_MLP;
        checkFamily("--family", family);
        return QUICK_MLP + "-" + family;
    }

    /**
     * The plan of a quick sweep sized for a GPU, with its time estimate on this machine's CPU, and the refusal to
     * start it here unless --device cpu asks for it.
     */
    private int planWithoutGpu(SweepSource source, String why) throws IOException {
        SweepPlanCommand plan = new SweepPlanCommand();
        plan.source = source;
        plan.device = new DeviceOption();
        plan.device.device = "cpu";
        int code = plan.call();
        if (code != 0) return code;
        throw new UserError("no usable CUDA GPU (" + why + "): " + source.file + " is sized for one GPU; the estimate"
                + " above is this machine's CPU; to run it here anyway: " + InterruptHint.launcher()
                + " reproduce --quick --family " + family + " --device cpu");
    }

    private static void checkFamily(String option, String name) {
        List<String> families = Registry.families().stream().map(Family::name).toList();
        if (!families.contains(name)) {
            throw new UserError(option + " '" + name + "' is not allowed: allowed are " + String.join(", ", families));
        }
    }

    /** The plan of the family's full grid: runs, groups, what is complete in its folder, how to run it. */
    private int paper() throws IOException {
        checkFamily("--paper", mode.paper);
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
