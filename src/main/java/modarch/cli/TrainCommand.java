package modarch.cli;

import java.io.IOException;
import java.nio.file.FileSystemException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.concurrent.Callable;
import modarch.Checks;
import modarch.UserError;
import modarch.backend.Backends;
import modarch.io.IOFaults;
import modarch.io.RunLock;
import modarch.io.RunLockedException;
import modarch.io.StrictJson;
import modarch.model.Family;
import modarch.model.FamilyOptions;
import modarch.model.ModelKind;
import modarch.model.Registry;
import modarch.model.TaskSpec;
import modarch.nn.RouterRegularization;
import modarch.train.EvalRecord;
import modarch.train.ReplicaShards;
import modarch.train.RunDirectory;
import modarch.train.TrainConfig;
import modarch.train.Trainer;
import modarch.train.TrainingState;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine;

@Command(name = "train", mixinStandardHelpOptions = true,
        description = "Train one model on one task instance and write a run directory; with --seeds, several "
                + "runs of one shape side by side, each in its own directory.")
final class TrainCommand implements Callable<Integer> {
    @CommandLine.Spec
    CommandLine.Model.CommandSpec spec;

    @Option(names = "--task", required = true,
            description = "mlp-regression | mlp-classification | mha-regression | mha-classification | rnn-regression"
                    + " | rnn-classification")
    String task;

    @Option(names = "--model", required = true, description = "monolithic | modular | modular-op | gt-modular")
    String model;

    @Option(names = "--rules", defaultValue = "2", description = "number of rules and modules, 2..64 (default ${DEFAULT-VALUE})")
    int rules;

    @Option(names = "--enc-dim", description = "mlp tasks: encoder width E (default 32); rnn tasks: encoder width (default 128)")
    Integer encDim;

    @Option(names = "--dim", defaultValue = "128", description = "model width: mlp D (each module gets floor(D/R)); mha the token width (default ${DEFAULT-VALUE})")
    int dim;

    @Option(names = "--h-dim", description = "rnn tasks: the LSTM width; the modular kinds' R LSTMs get the reference's parameter-matched width (default 128)")
    Integer hDim;

    @CommandLine.Mixin
    RecurrenceOptions recurrence;

    @Option(names = "--att-dim", description = "mha tasks: attention width; 2R heads of att-dim/(2R) (default 512)")
    Integer attDim;

    @Option(names = "--search-version", description = "mha tasks: 1 (nearest scalar) or 2 (largest dot product of unit 2-D vectors) (default 1)")
    Integer searchVersion;

    @Option(names = "--seq-len", description = "mha and rnn tasks: training sequence length, 2.." + TrainConfig.MAX_SEQ_LEN
            + " (rnn: 1..) (default 10; evaluated at 3, 5, 10, 20, 30, or at 10..50 when not 10)")
    Integer seqLen;

    @Option(names = "--attention-topk", description = "mha tasks: keys kept per query before the softmax (default: all, the reference's dense attention; 1 is hard retrieval)")
    Integer attentionTopK;

    @Option(names = "--load-balance", defaultValue = "0", description = "modular and modular-op, every task: weight"
            + " of the Switch Transformer's load-balancing loss R sum_m f_m P_m (beyond the paper; default ${DEFAULT-VALUE})")
    double loadBalance;

    @Option(names = "--router-z-loss", defaultValue = "0", description = "as --load-balance: weight of ST-MoE's router"
            + " z-loss, the mean squared logsumexp of the routing logits (default ${DEFAULT-VALUE})")
    double routerZLoss;

    @Option(names = "--mi-loss", defaultValue = "0", description = "as --load-balance: weight of the negative mutual"
            + " information between example and module, H(mean p) - mean H(p) (default ${DEFAULT-VALUE})")
    double miLoss;

    @Option(names = "--router-topk", defaultValue = "0", description = "modular and modular-op, mlp and mha tasks:"
            + " route each example to its K highest-scoring modules only, the softmax renormalised over them; the"
            + " others get no rows and no gradient (beyond the paper; default 0: all modules, the paper's routing)")
    int routerTopK;

    @Option(names = "--batch-size", defaultValue = "256", description = "examples (sequences) per training step (default ${DEFAULT-VALUE})")
    int batchSize;

    @Option(names = "--lr", defaultValue = "1e-4", description = "Adam learning rate (default ${DEFAULT-VALUE})")
    double lr;

    @Option(names = "--iterations", description = "training steps (default: 100000 for mlp tasks, 500000 for mha and rnn tasks, as the reference)")
    Long iterations;

    @Option(names = "--eval-every", defaultValue = "5000", description = "steps between evaluations and checkpoints (default ${DEFAULT-VALUE})")
    long evalEvery;

    @Option(names = "--seed", defaultValue = "0", description = "model seed: initialisation and data stream, 0..4294967295 (default ${DEFAULT-VALUE})")
    long seed;

    @Option(names = "--data-seed", defaultValue = "0", description = "task instance: the rules' coefficients (default ${DEFAULT-VALUE})")
    long dataSeed;

    @Option(names = "--seeds", split = ",", paramLabel = "S",
            description = "train these model seeds side by side in one pass (replicas); --out is then their parent directory")
    long[] seeds;

    @Option(names = "--data-seeds", split = ",", paramLabel = "D",
            description = "with --seeds: the data seed of each replica, paired in order (default: --data-seed for all)")
    long[] dataSeeds;

    @CommandLine.Mixin
    DeviceOption device;

    @Option(names = "--out", required = true, description = "run directory to create (or to continue with --resume)")
    Path out;

    @Option(names = "--resume", description = "continue the run in --out from its last checkpoint")
    boolean resume;

    @Option(names = "--quiet", description = "no progress bar")
    boolean quiet;

    @Override
    public Integer call() throws IOException {
        List<Replica> replicas = replicas();
        TrainConfig options = fromOptions();
        checkOut(replicas);
        Backends.Choice choice = device.select();
        List<Path> created = missingAncestors(out);
        List<Held> held = new ArrayList<>();
        boolean started = false;
        try (InterruptHint hint = InterruptHint.install(InterruptHint.resumeCommand(out))) {
            List<TrainConfig> configs = new ArrayList<>();
            List<RunDirectory> dirs = new ArrayList<>();
            for (Replica replica : replicas) {
                RunDirectory dir = new RunDirectory(replica.dir());
                if (!Files.exists(dir.root())) created.add(dir.root());
                boolean lockFileExisted = Files.exists(dir.file(RunLock.FILE_NAME));
                held.add(new Held(dir, lock(dir), lockFileExisted));
                TrainConfig given = options.withSeeds(replica.seed(), replica.dataSeed());
                configs.add(resume ? resumable(dir, given) : fresh(dir, given));
                dirs.add(dir);
            }
            ProgressBar progress = ProgressBar.forStderr(quiet);
            String sizes = "--rules " + options.rules() + (options.encDim() > 0 ? " --enc-dim " + options.encDim() : "")
                    + (options.task().family().recurrent() ? " --h-dim " : " --dim ") + options.dim()
                    + (options.task().family().attention() ? " --att-dim " + options.options().attDim() : "")
                    + " --batch-size " + options.batchSize() + " for " + configs.size() + " run(s)";
            try (ReplicaShards trainer = SizeGuard.build(sizes,
                    () -> new ReplicaShards(configs, device.device, choice.backend(), dirs))) {
                if (resume) checkResumable(trainer, dirs);
                DeviceOption.announce(choice);
                started = true;
                trainer.run(resume, progress);
                progress.finish();
                report(trainer, configs, dirs);
                return trainer.divergences().isEmpty() ? 0 : Main.EXIT_DIVERGED;
            }
        } finally {
            release(held, created, started);
        }
    }

    /** A run directory this command locked, and whether its lock file was there before. */
    private record Held(RunDirectory dir, RunLock lock, boolean lockFileExisted) {
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
            for (Replica replica : replicas) notARun(new RunDirectory(replica.dir()));
        }
    }

    /** --resume refuses a non-empty directory without a config.json: it is not a modarch run. */
    private static void notARun(RunDirectory dir) throws IOException {
        if (!Files.exists(dir.file(RunDirectory.CONFIG)) && dir.existsNonEmpty()) {
            throw new UserError("--out " + dir.root() + " is not empty and holds no " + RunDirectory.CONFIG
                    + ": it is not a modarch run, so --resume will not write into it");
        }
    }

    /** The directories from the top-most missing ancestor of path down to path (which this command will create). */
    private static List<Path> missingAncestors(Path path) {
        List<Path> missing = new ArrayList<>();
        for (Path p = path.toAbsolutePath(); p != null && !Files.exists(p); p = p.getParent()) missing.add(0, p);
        return missing;
    }

    /**
     * Releases the locks. A command that failed before training started wrote nothing but lock files and
     * directories: the lock files it made go, and then each directory it created goes when empty, deepest first,
     * so bad input leaves no trace. Best effort: a failure here must not hide the command's own.
     */
    private static void release(List<Held> held, List<Path> created, boolean started) {
        for (Held h : held) {
            try {
                if (!started && !h.lockFileExisted()) {
                    h.lock().closeAndDelete();
                } else {
                    h.lock().close();
                }
            } catch (IOException e) {
                // the lock is released by the OS at exit anyway
            }
        }
        for (int i = created.size() - 1; i >= 0; i--) {
            try {
                Files.deleteIfExists(created.get(i)); // only when empty: another process may be using it by now
            } catch (IOException notEmptyOrGone) {
                // kept
            }
        }
    }

    /** This process's hold on a run directory (created when missing); a run held by another is a user error. */
    private static RunLock lock(RunDirectory dir) throws IOException {
        try {
            return RunLock.acquire(dir.root());
        } catch (RunLockedException held) {
            throw new UserError(held.getMessage());
        } catch (FileSystemException e) {
            String message = "cannot create the run directory " + dir.root() + ": " + IOFaults.describe(e);
            if (IOFaults.badPath(e)) throw new UserError(message + "; choose another --out");
            throw new IOException(message, e);
        }
    }

    /** A new run: its directory must hold nothing but our lock (another process may have been quicker). */
    private static TrainConfig fresh(RunDirectory dir, TrainConfig given) throws IOException {
        if (dir.existsNonEmpty()) {
            throw new UserError("--out " + dir.root() + " is no longer empty: another process wrote into it; choose a new directory");
        }
        return given;
    }

    /** A run to continue: its own config; a non-empty directory without one is not a run and is left alone. */
    private TrainConfig resumable(RunDirectory dir, TrainConfig given) throws IOException {
        if (Files.exists(dir.file(RunDirectory.CONFIG))) return storedConfig(dir, given);
        notARun(dir);
        return given;
    }

    /**
     * Before --resume touches a run: its config.json must describe the model its checkpoints hold (the parameter
     * count it recorded), and its training state must load into that model; a run past iteration 0 must have one.
     * Faults of these files are bad input (exit 2) naming the file; only failures to read them are environment ones.
     */
    private static void checkResumable(ReplicaShards trainer, List<RunDirectory> dirs) throws IOException {
        long parameters = trainer.model().parameterCount();
        for (RunDirectory dir : dirs) {
            Path config = dir.file(RunDirectory.CONFIG);
            if (!Files.exists(config)) continue; // nothing to resume: the run starts
            Object recorded = StrictJson.readObject(config).get("parameters");
            if (recorded instanceof Number && ((Number) recorded).longValue() != parameters) {
                throw new UserError(config + " records \"parameters\": " + recorded + " but its rules, enc_dim and dim"
                        + " make a model of " + parameters + ": the file was edited; restore its values to resume the run");
            }
            Path state = dir.file(RunDirectory.TRAINING_STATE);
            Path previous = dir.file(TrainingState.PREVIOUS);
            Path latest = Files.exists(state) ? state : Files.exists(previous) ? previous : null;
            if (latest == null) {
                long logged;
                try {
                    logged = dir.lastLoggedIteration();
                } catch (IOException | RuntimeException unreadable) {
                    throw new UserError(state + " is missing and " + dir.file(RunDirectory.LOG) + " cannot be read ("
                            + unreadable.getMessage() + "), so the run cannot be resumed; train it anew into another --out");
                }
                if (logged > 0) {
                    throw new UserError(state + " is missing, so the run cannot be resumed (its log.jsonl is at"
                            + " iteration " + logged + "); train it anew into another --out");
                }
                continue; // stopped inside its first checkpoint: the run starts anew, as nothing is lost
            }
            try {
                TrainingState.load(latest, trainer.model().params(), trainer.model().arena().replicaStride());
            } catch (FileSystemException cannotRead) {
                throw cannotRead;
            } catch (IOException | RuntimeException fault) {
                String what = fault instanceof IOException ? IOFaults.describe((IOException) fault) : latest + ": " + fault;
                throw new UserError(what + "; the run cannot be resumed from this file (restore it, or train anew"
                        + " into another --out)");
            }
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
            return List.of(new Replica(seed, dataSeed, out));
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
            long d = dataSeeds == null ? dataSeed : dataSeeds[i];
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

    /** The options as a config; what a family does not have must not be given, what is not given is the default. */
    private TrainConfig fromOptions() {
        TaskSpec spec = Registry.task(task);
        Family family = spec.family();
        refuseOtherFamilies(spec);
        FamilyOptions defaults = family.defaults();
        FamilyOptions options = family.attention()
                ? new FamilyOptions(orDefault(attDim, defaults.attDim()), orDefault(searchVersion, defaults.searchVersion()),
                        orDefault(seqLen, defaults.seqLen()), orDefault(attentionTopK, defaults.attentionTopK()))
                : family.recurrent()
                ? FamilyOptions.rnn(orDefault(recurrence.dDim, defaults.dDim()),
                        orDefault(recurrence.order, defaults.order()),
                        orDefault(seqLen, defaults.seqLen()))
                : FamilyOptions.NONE;
        int encoder = family.attention() ? (encDim == null ? 0 : encDim)
                : orDefault(encDim, family.recurrent() ? RNN_WIDTH : MLP_ENC_DIM);
        int width = family.recurrent() ? orDefault(hDim, RNN_WIDTH) : dim;
        long steps = iterations != null ? iterations : family.defaultIterations();
        return new TrainConfig(spec, ModelKind.parse(model), rules, encoder, width, options, batchSize, lr, steps,
                evalEvery, seed, dataSeed, new RouterRegularization(loadBalance, routerZLoss, miLoss), routerTopK);
    }

    private static final int MLP_ENC_DIM = 32;
    private static final int RNN_WIDTH = 128;

    private static int orDefault(Integer given, int fallback) {
        return given == null ? fallback : given;
    }

    /** Refuses an option given for a task whose family does not have it. */
    private void refuseOtherFamilies(TaskSpec spec) {
        Family family = spec.family();
        Set<String> given = matchedOptionNames();
        List<String> refused = new ArrayList<>();
        if (!family.attention()) {
            refused.addAll(List.of("--att-dim", "--search-version", "--attention-topk"));
            if (!family.recurrent()) refused.add("--seq-len");
        }
        if (!family.recurrent()) refused.addAll(List.of("--h-dim", "--d-dim", "--order"));
        if (family.recurrent()) refused.add("--dim");
        for (String option : refused) {
            if (given.contains(option)) {
                throw new UserError(option + " does not apply to " + spec.cliName()
                        + (option.equals("--dim") ? ": the rnn tasks' LSTM width is --h-dim" : ""));
            }
        }
    }

    /** The run's own config; an option given now, and the replica's seeds, must agree with it. */
    private TrainConfig storedConfig(RunDirectory dir, TrainConfig given) throws IOException {
        TrainConfig config;
        try {
            config = dir.readConfig();
        } catch (FileSystemException cannotRead) {
            throw cannotRead;
        } catch (IOException e) {
            throw new UserError(IOFaults.describe(e));
        }
        Map<String, Object> stored = config.toMap();
        for (CommandLine.Model.OptionSpec option : spec.commandLine().getParseResult().matchedOptions()) {
            String key = option.longestName().substring(2).replace('-', '_');
            Object value = option.getValue();
            if (stored.containsKey(key) && !sameValue(value, stored.get(key))) {
                throw new UserError(option.longestName() + " " + value + " differs from the run being resumed ("
                        + stored.get(key) + " in " + dir.file(RunDirectory.CONFIG) + ")");
            }
        }
        if (config.seed() != given.seed() || config.dataSeed() != given.dataSeed()) {
            throw new UserError(dir.file(RunDirectory.CONFIG) + " holds seed " + config.seed() + ", data seed "
                    + config.dataSeed() + ", not the replica's " + given.seed() + ", " + given.dataSeed());
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
