package modarch.cli;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import modarch.UserError;
import modarch.backend.Backends;
import modarch.io.IOFaults;
import modarch.train.EvalCounts;
import modarch.train.RunDirectory;
import modarch.train.RunEvaluator;
import modarch.train.RunMeasurement;
import modarch.train.TensorBoardLog;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine;

@Command(name = "eval", mixinStandardHelpOptions = true,
        description = "Measure a trained run the paper's way (performance, collapse, alignment, adaptation, "
                + "mutual information) and write metrics.json into it.")
final class EvalCommand implements Callable<Integer> {
    @Parameters(index = "0", arity = "0..1", paramLabel = "RUN", description = "a run directory made by `modarch train`, or the parent of replica runs (train --seeds)")
    Path run;

    @Option(names = "--checkpoint", defaultValue = "last", description = "last | best (default ${DEFAULT-VALUE})")
    String checkpoint;

    @Option(names = "--json", description = "print the metrics as JSON on stdout")
    boolean json;

    @Option(names = "--fast", description = "a tenth of the batches, for a quick look (said in the output)")
    boolean fast;

    @Option(names = "--performance-batches", defaultValue = "100", description = "default ${DEFAULT-VALUE}")
    int performanceBatches;

    @Option(names = "--activation-batches", defaultValue = "1000", description = "default ${DEFAULT-VALUE}")
    int activationBatches;

    @Option(names = "--adaptation-batches", defaultValue = "10", description = "per Dirichlet draw (default ${DEFAULT-VALUE})")
    int adaptationBatches;

    @Option(names = "--eval-batch-size", defaultValue = "1000", description = "examples per batch (default ${DEFAULT-VALUE})")
    int batchSize;

    @Option(names = "--random-baseline", description = "print the Random row (uniform activation matrix) for --rules instead")
    boolean randomBaseline;

    @Option(names = "--rules", description = "rules of the Random baseline, 2..64")
    Integer rules;

    @CommandLine.Mixin
    DeviceOption device;

    /** Whether the backend line was printed (once, when the first run is loaded). */
    private boolean announced;

    @Override
    public Integer call() throws IOException {
        if (randomBaseline) {
            if (run != null) throw new UserError("--random-baseline takes no RUN (" + run + "): it is the Random row for --rules R alone");
            MetricsReport.print(System.out, randomBaseline(), json);
            return 0;
        }
        if (run == null) throw new UserError("a RUN directory is required (or --random-baseline --rules R)");
        if (rules != null) throw new UserError("--rules " + rules + " is only for --random-baseline: a run has its own");
        EvalCounts counts = new EvalCounts(performanceBatches, activationBatches, adaptationBatches, batchSize);
        if (fast) counts = counts.fast();
        List<RunDirectory> runs = runs();
        Backends.Choice choice = device.select();
        IOException unwritten = null;
        for (RunDirectory dir : runs) {
            Map<String, Object> metrics = evaluate(dir, counts, choice);
            if (runs.size() > 1 && !json) System.out.println("== " + dir.root());
            // printed first, then written: a metrics.json that cannot be written loses nothing that was computed
            MetricsReport.print(System.out, metrics, json);
            System.out.flush();
            try {
                dir.writeJson(RunDirectory.METRICS, metrics);
                if (TensorBoardLog.kept(dir.root())) TensorBoardLog.writeMetrics(dir.root(), metrics);
            } catch (IOException e) {
                if (unwritten == null) unwritten = e;
            }
        }
        if (fast) System.err.println("modarch: --fast: a tenth of the reference's batches; numbers are noisier");
        if (unwritten != null) {
            throw new IOException(IOFaults.describe(unwritten) + " (the metrics are printed above)", unwritten);
        }
        return 0;
    }

    /** RUN itself when it is a run; else the runs directly inside it (the replicas of `train --seeds`). */
    private List<RunDirectory> runs() throws IOException {
        if (!Files.exists(run)) throw new UserError(run + " does not exist: RUN is a directory made by `modarch train`");
        if (!Files.isDirectory(run)) throw new UserError(run + " is a file: RUN is a directory made by `modarch train`");
        List<RunDirectory> runs = RunDirectory.runsAt(run);
        if (runs.isEmpty()) {
            throw new UserError(run + " holds no " + RunDirectory.CONFIG + ", nor runs inside it: is it a run directory?");
        }
        return runs;
    }

    private Map<String, Object> evaluate(RunDirectory dir, EvalCounts counts, Backends.Choice choice) throws IOException {
        String sizes = "--eval-batch-size " + counts.batchSize() + " for " + dir.root();
        return SizeGuard.build(sizes, () -> RunMeasurement.measure(dir, checkpoint, counts, fast, choice.backend(),
                System.err::println, () -> {
                    if (!announced) {
                        DeviceOption.announce(choice);
                        announced = true;
                    }
                }, false));
    }

    /** plot_main.py's add_random: the uniform matrix; adaptation from its module marginal. */
    private Map<String, Object> randomBaseline() {
        if (rules == null) throw new UserError("--random-baseline needs --rules R (2..64)");
        Map<String, Object> out = new LinkedHashMap<>();
        out.put("model", "random");
        out.put("rules", rules);
        out.putAll(RunEvaluator.randomBaseline(rules));
        return out;
    }
}
