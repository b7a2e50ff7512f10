package modarch.cli;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import java.util.Objects;
import java.util.concurrent.Callable;
import modarch.backend.Backends;
import modarch.model.ModelKind;
import modarch.task.TaskKind;
import modarch.train.EvalRecord;
import modarch.train.RunDirectory;
import modarch.train.TrainConfig;
import modarch.train.Trainer;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

@Command(name = "train", mixinStandardHelpOptions = true,
        description = "Train one model on one task instance and write a run directory.")
final class TrainCommand implements Callable<Integer> {
    @CommandLine.Spec
    CommandLine.Model.CommandSpec spec;

    @Option(names = "--task", required = true, description = "mlp-regression | mlp-classification")
    String task;

    @Option(names = "--model", required = true, description = "monolithic | modular | modular-op | gt-modular")
    String model;

    @Option(names = "--rules", defaultValue = "2", description = "number of rules and modules, 2..64 (default ${DEFAULT-VALUE})")
    int rules;

    @Option(names = "--enc-dim", defaultValue = "32", description = "encoder width E (default ${DEFAULT-VALUE})")
    int encDim;

    @Option(names = "--dim", defaultValue = "128", description = "model width D; each module gets floor(D/R) (default ${DEFAULT-VALUE})")
    int dim;

    @Option(names = "--batch-size", defaultValue = "256", description = "default ${DEFAULT-VALUE}")
    int batchSize;

    @Option(names = "--lr", defaultValue = "1e-4", description = "Adam learning rate (default ${DEFAULT-VALUE})")
    double lr;

    @Option(names = "--iterations", defaultValue = "100000", description = "training steps (default ${DEFAULT-VALUE})")
    long iterations;

    @Option(names = "--eval-every", defaultValue = "5000", description = "steps between evaluations and checkpoints (default ${DEFAULT-VALUE})")
    long evalEvery;

    @Option(names = "--seed", defaultValue = "0", description = "model seed: initialisation and data stream (default ${DEFAULT-VALUE})")
    long seed;

    @Option(names = "--data-seed", defaultValue = "0", description = "task instance: the rules' coefficients (default ${DEFAULT-VALUE})")
    long dataSeed;

    @Option(names = "--device", defaultValue = "auto", description = "auto | cpu (default ${DEFAULT-VALUE})")
    String device;

    @Option(names = "--out", required = true, description = "run directory to create (or to continue with --resume)")
    Path out;

    @Option(names = "--resume", description = "continue the run in --out from its last checkpoint")
    boolean resume;

    @Option(names = "--quiet", description = "no progress bar")
    boolean quiet;

    @Override
    public Integer call() throws IOException {
        RunDirectory dir = new RunDirectory(out);
        TrainConfig config = resume && Files.exists(dir.file(RunDirectory.CONFIG)) ? storedConfig(dir) : fromOptions();
        if (!resume && dir.existsNonEmpty()) {
            throw new UserError("--out " + out + " already exists and is not empty: choose a new directory, or add --resume to continue it");
        }
        if (Files.exists(out) && !Files.isDirectory(out)) {
            throw new UserError("--out " + out + " is a file: a run directory is needed");
        }
        Backends.Choice choice = Backends.select(device);
        System.err.println("modarch: " + choice.reason());
        Trainer trainer = new Trainer(config, device, choice.backend(), dir);
        boolean showProgress = !quiet && Boolean.getBoolean("modarch.stderr.tty");
        ProgressBar progress = new ProgressBar(System.err, showProgress);
        trainer.run(resume, progress);
        progress.finish();
        EvalRecord last = progress.lastEval(); // every run, fresh or resumed, reports at least one evaluation
        System.out.printf("run %s: %s %s, %d parameters, iteration %d: eval loss %.6f, OoD loss %.6f%s%n",
                out, config.task(), config.model(), trainer.model().parameterCount(), last.iteration(),
                last.evalLoss(), last.evalOodLoss(), Double.isNaN(last.evalAccuracy()) ? ""
                        : String.format(", accuracy %.2f%% (OoD %.2f%%)", last.evalAccuracy(), last.evalOodAccuracy()));
        return 0;
    }

    private TrainConfig fromOptions() {
        return new TrainConfig(TaskKind.parse(task), ModelKind.parse(model), rules, encDim, dim, batchSize, lr,
                iterations, evalEvery, seed, dataSeed);
    }

    /** The run's own config; an option given now must agree with it. */
    private TrainConfig storedConfig(RunDirectory dir) throws IOException {
        TrainConfig config;
        try {
            config = dir.readConfig();
        } catch (IOException e) {
            throw new UserError(e.getMessage());
        }
        Map<String, Object> stored = config.toMap();
        for (CommandLine.Model.OptionSpec option : spec.commandLine().getParseResult().matchedOptions()) {
            String key = option.longestName().substring(2).replace('-', '_');
            Object given = option.getValue();
            if (stored.containsKey(key) && !sameValue(given, stored.get(key))) {
                throw new UserError(option.longestName() + " " + given + " differs from the run being resumed ("
                        + stored.get(key) + " in " + dir.file(RunDirectory.CONFIG) + ")");
            }
        }
        return config;
    }

    private static boolean sameValue(Object given, Object stored) {
        if (given instanceof Number && stored instanceof Number) {
            return ((Number) given).doubleValue() == ((Number) stored).doubleValue();
        }
        return Objects.equals(String.valueOf(given), String.valueOf(stored));
    }
}
