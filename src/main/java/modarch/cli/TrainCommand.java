package modarch.cli;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.Callable;
import modarch.Checks;
import modarch.UserError;
import modarch.backend.Backends;
import modarch.model.Registry;
import modarch.model.RunOption;
import modarch.train.BatchRows;
import modarch.train.EvalRecord;
import modarch.train.HeldRuns;
import modarch.train.ReplicaShards;
import modarch.train.Resumption;
import modarch.train.RunDirectory;
import modarch.train.TrainConfig;
import modarch.train.TrainOptions;
import modarch.train.Trainer;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine;

@Command(name = "train", mixinStandardHelpOptions = true, modelTransformer = DeclaredOptions.Training.class,
        description = "Train one model on one task instance and write a run directory; with --seeds, several "
                + "runs of one shape side by side, each in its own directory.")
final class TrainCommand implements Callable<Integer> {
    @CommandLine.Spec
    CommandLine.Model.CommandSpec spec;

    @Option(names = "--task",
            description = "mlp-regression | mlp-classification | mha-regression | mha-classification | rnn-regression"
                    + " | rnn-classification")
    String task;

    @Option(names = "--model", description = "monolithic | modular | modular-op | gt-modular")
    String model;

    @Option(names = "--seeds", split = ",", paramLabel = "S",
            description = "train these model seeds side by side in one pass (replicas); --out is then their parent directory")
    long[] seeds;

    @Option(names = "--data-seeds", split = ",", paramLabel = "D",
            description = "with --seeds: the data seed of each replica, paired in order (default: --data-seed for all)")
    long[] dataSeeds;

    @CommandLine.Mixin
    DeviceOption device;

    @Option(names = "--out", description = "run directory to create (or to continue with --resume)")
    Path out;

    @Option(names = "--resume", description = "continue the run in --out from its last checkpoint")
    boolean resume;

    @Option(names = "--quiet", description = "no progress bar")
    boolean quiet;

    @Option(names = "--precision", paramLabel = "<precision>", defaultValue = "fp32",
            description = "arithmetic of the matrix products: fp32 (the default, the reference's), tf32 (inputs rounded"
                    + " to TF32, FP32 sums: tensor cores) or 3xtf32 (three TF32 products: FP32-class accuracy)")
    String precision;

    @Option(names = "--no-tensorboard", description = "write no TensorBoard event file (by default each run writes one)")
    boolean noTensorboard;

    @Override
    public Integer call() throws IOException {
        checkRequired();
        boolean stored = task == null || model == null; // --resume: the run's config.json says what it is
        List<Replica> replicas = stored && seeds == null ? storedReplicas() : replicas();
        TrainConfig options = stored ? null : TrainOptions.config(Registry.task(task), model, givenOptions())
                .withPrecision(TrainConfig.precision(precision));
        checkOut(replicas);
        if (stored) options = storedShape(replicas);
        BatchRows.check(TrainOptions.BATCH_SIZE.cli(), options.batchSize(), replicas.size(), options.modelSpec().maxLength());
        Backends.Choices choices = device.selectEach();
        try (InterruptHint hint = InterruptHint.install(InterruptHint.resumeCommand(out));
             HeldRuns held = HeldRuns.under(out)) {
            List<TrainConfig> configs = new ArrayList<>();
            List<RunDirectory> dirs = new ArrayList<>();
            for (Replica replica : replicas) {
                RunDirectory dir = new RunDirectory(replica.dir());
                held.lock(dir);
                TrainConfig given = options.withSeeds(replica.seed(), replica.dataSeed());
                configs.add(resume ? Resumption.resumable(dir, given, givenAgain()) : Resumption.fresh(dir, given));
                dirs.add(dir);
            }
            ProgressBar progress = ProgressBar.forStderr(quiet);
            String sizes = sizes(options) + " for " + configs.size() + " run(s)";
            try (ReplicaShards trainer = SizeGuard.build(sizes,
                    () -> new ReplicaShards(configs, device.device, choices.backends(), dirs, !noTensorboard))) {
                if (resume) Resumption.checkCheckpoints(trainer, dirs);
                DeviceOption.announce(choices.reason());
                held.started();
                trainer.run(resume, progress);
                progress.finish();
                report(trainer, configs, dirs);
                return trainer.divergences().isEmpty() ? 0 : Main.EXIT_DIVERGED;
            }
        }
    }

    /** What must be given, in picocli's words: --out, and --task and --model unless --resume reads them from the run. */
    private void checkRequired() {
        List<String> missing = new ArrayList<>();
        if (task == null && !resume) missing.add("'--task=<task>'");
        if (model == null && !resume) missing.add("'--model=<model>'");
        if (out == null) missing.add("'--out=<out>'");
        if (!missing.isEmpty()) {
            throw new UserError("Missing required option" + (missing.size() > 1 ? "s" : "") + ": "
                    + String.join(", ", missing) + " (see --help)");
        }
    }

    /** --resume without --task or --model: the run in --out, or the replica runs inside it, with their own seeds. */
    private List<Replica> storedReplicas() throws IOException {
        if (dataSeeds != null) throw new UserError("--data-seeds needs --seeds (one data seed per model seed)");
        List<Replica> replicas = new ArrayList<>();
        for (RunDirectory run : RunDirectory.runsAt(out)) {
            TrainConfig config = Resumption.stored(run, "");
            replicas.add(new Replica(config.seed(), config.dataSeed(), run.root()));
        }
        return replicas;
    }

    /**
     * --resume without --task or --model: the shape of the first replica that has a config.json (the options given
     * again are compared with each run's as it is resumed).
     */
    private TrainConfig storedShape(List<Replica> replicas) throws IOException {
        for (Replica replica : replicas) {
            RunDirectory dir = new RunDirectory(replica.dir());
            if (Files.isRegularFile(dir.file(RunDirectory.CONFIG))) return Resumption.stored(dir, "");
        }
        throw new UserError("--out " + out + " holds no " + RunDirectory.CONFIG + ", nor runs inside it: --resume"
                + " without --task and --model continues a run; give them to start one");
    }

    /**
     * Refuses an --out that cannot be what is asked before anything is created: a file, or a path under a file;
     * with --resume, a non-empty directory that is not a run (nor, with --seeds, a group of runs); without --resume,
     * a non-empty one.
     */
    private void checkOut(List<Replica> replicas) throws IOException {
        for (Path p = out.toAbsolutePath().getParent(); p != null; p = p.getParent()) {
            if (Files.isDirectory(p)) break;
            if (Files.exists(p)) {
                throw new UserError("--out " + out + " cannot be created: " + p + " is a file, not a directory");
            }
        }
        if (Files.exists(out) && !Files.isDirectory(out)) {
            throw new UserError("--out " + out + " is a file: a run directory is needed");
        }
        if (!resume && new RunDirectory(out).existsNonEmpty()) {
            throw new UserError("--out " + out + " already exists and is not empty: choose a new directory, or add --resume to continue it");
        }
        if (seeds != null && Files.exists(out.resolve(RunDirectory.CONFIG))) {
            throw new UserError("--out " + out + " is a single run (it holds " + RunDirectory.CONFIG + "): --seeds needs"
                    + " the parent directory of a group of runs");
        }
        if (resume) {
            for (Replica replica : replicas) Resumption.notARun(new RunDirectory(replica.dir()));
        }
    }

    private static void report(ReplicaShards trainer, List<TrainConfig> configs, List<RunDirectory> dirs) {
        for (Trainer.Divergence divergence : trainer.divergences()) {
            System.err.println("modarch: error: " + divergence.message());
        }
        List<EvalRecord> last = trainer.lastRecords();
        for (int r = 0; r < configs.size(); r++) {
            TrainConfig config = configs.get(r);
            EvalRecord record = last.get(r);
            System.out.printf("run %s: %s %s, %d parameters, iteration %d: eval loss %s, OoD loss %s%s%n",
                    dirs.get(r).root(), config.task(), config.model(), trainer.model().parameterCount(),
                    record.iteration(), ProgressBar.formatLoss(record.evalLoss()),
                    ProgressBar.formatLoss(record.evalOodLoss()),
                    Double.isNaN(record.evalAccuracy()) ? "" : String.format(", accuracy %.2f%% (OoD %.2f%%)",
                            record.evalAccuracy(), record.evalOodAccuracy()));
        }
    }

    /** One run of the group: its seeds and its directory. */
    private record Replica(long seed, long dataSeed, Path dir) {
    }

    /** --seed/--data-seed: one run in --out; --seeds [--data-seeds]: one run per pair, each in --out/seedS-dataD. */
    private List<Replica> replicas() {
        if (seeds == null) {
            if (dataSeeds != null) throw new UserError("--data-seeds needs --seeds (one data seed per model seed)");
            return List.of(new Replica(DeclaredOptions.value(spec, TrainOptions.SEED).longValue(), DeclaredOptions.value(spec, TrainOptions.DATA_SEED).longValue(), out));
        }
        Set<String> given = matchedOptionNames();
        if (given.contains("--seed")) throw new UserError("give --seed or --seeds, not both");
        if (dataSeeds != null && given.contains("--data-seed")) {
            throw new UserError("give --data-seed or --data-seeds, not both");
        }
        if (dataSeeds != null && dataSeeds.length != seeds.length) {
            throw new UserError("--data-seeds has " + dataSeeds.length + " values but --seeds has " + seeds.length
                    + ": they are paired, one data seed per model seed");
        }
        for (int i = 0; i < seeds.length; i++) {
            Checks.seed("--seeds value", seeds[i]);
            if (dataSeeds != null) Checks.seed("--data-seeds value", dataSeeds[i]);
        }
        List<Replica> out = new ArrayList<>();
        Set<Path> names = new HashSet<>();
        for (int i = 0; i < seeds.length; i++) {
            long d = dataSeeds == null ? DeclaredOptions.value(spec, TrainOptions.DATA_SEED).longValue() : dataSeeds[i];
            Path dir = this.out.resolve(replicaName(seeds[i], d));
            if (!names.add(dir)) {
                throw new UserError("--seeds/--data-seeds pair (" + seeds[i] + ", " + d + ") is given twice");
            }
            out.add(new Replica(seeds[i], d, dir));
        }
        return out;
    }

    /** The directory name of a replica run under its group's --out. */
    static String replicaName(long seed, long dataSeed) {
        return "seed" + seed + "-data" + dataSeed;
    }

    private Set<String> matchedOptionNames() {
        Set<String> names = new HashSet<>();
        for (CommandLine.Model.OptionSpec option : spec.commandLine().getParseResult().matchedOptions()) {
            names.add(option.longestName());
        }
        return names;
    }

    /** The declared options given on the command line, in declaration order. */
    private Map<RunOption, Number> givenOptions() {
        Map<RunOption, Number> given = new LinkedHashMap<>();
        for (RunOption option : TrainOptions.all()) {
            Number value = DeclaredOptions.given(spec, option);
            if (value != null) given.put(option, value);
        }
        return given;
    }

    /** "--rules R --enc-dim E --dim D --batch-size B": the sizes that decide the memory a run needs. */
    private static String sizes(TrainConfig config) {
        StringBuilder s = new StringBuilder(TrainOptions.RULES.cli() + " " + config.rules());
        Map<String, Object> values = config.options().values();
        for (RunOption width : config.task().family().capacity()) {
            s.append(' ').append(width.cli()).append(' ').append(values.get(width.key()));
        }
        return s.append(' ').append(TrainOptions.BATCH_SIZE.cli()).append(' ').append(config.batchSize()).toString();
    }

    /** Every option given on the command line, by its config.json key, in the order given: what --resume compares. */
    private Map<String, Object> givenAgain() {
        Map<String, Object> given = new LinkedHashMap<>();
        for (CommandLine.Model.OptionSpec option : spec.commandLine().getParseResult().matchedOptions()) {
            given.put(option.longestName().substring(2).replace('-', '_'), option.getValue());
        }
        return given;
    }
}
