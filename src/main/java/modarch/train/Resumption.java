package modarch.train;

import java.io.IOException;
import java.nio.file.FileSystemException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import modarch.UserError;
import modarch.io.IOFaults;
import modarch.io.StrictJson;

/**
 * Whether a run directory (held: {@link HeldRuns}) can start or continue with the options given: a new run's
 * directory holds nothing; a run to continue has its own config.json, which options given again must agree with, and
 * checkpoints that load into its model. Every fault of the run's files is bad input (exit 2) naming the file; only
 * failures to read them are environment ones.
 */
public final class Resumption {
    private Resumption() {
    }

    /** A new run: its directory must hold nothing but our lock (another process may have been quicker). */
    public static TrainConfig fresh(RunDirectory dir, TrainConfig given) throws IOException {
        if (dir.existsNonEmpty()) {
            throw new UserError("--out " + dir.root() + " is no longer empty: another process wrote into it; choose a new directory");
        }
        return given;
    }

    /** --resume refuses a non-empty directory without a config.json: it is not a modarch run. */
    public static void notARun(RunDirectory dir) throws IOException {
        if (!Files.exists(dir.file(RunDirectory.CONFIG)) && dir.existsNonEmpty()) {
            throw new UserError("--out " + dir.root() + " is not empty and holds no " + RunDirectory.CONFIG
                    + ": it is not a modarch run, so --resume will not write into it");
        }
    }

    /**
     * A run to continue: its own config, which the options given again (config.json keys to values, in the order
     * given) and the replica's seeds must agree with; a directory without a config.json starts the run given (one
     * that holds other files is not a run and is left alone).
     */
    public static TrainConfig resumable(RunDirectory dir, TrainConfig given, Map<String, Object> givenAgain)
            throws IOException {
        if (!Files.exists(dir.file(RunDirectory.CONFIG))) {
            notARun(dir);
            return given;
        }
        TrainConfig config = stored(dir, "");
        Map<String, Object> stored = config.toMap();
        stored.putIfAbsent(TrainConfig.PRECISION_KEY, config.precision().key()); // fp32, recorded by its absence
        for (Map.Entry<String, Object> e : givenAgain.entrySet()) {
            String key = e.getKey();
            if (stored.containsKey(key) && !sameValue(e.getValue(), stored.get(key))) {
                throw new UserError("--" + key.replace('_', '-') + " " + e.getValue() + " differs from the run being"
                        + " resumed (" + stored.get(key) + " in " + dir.file(RunDirectory.CONFIG) + ")");
            }
        }
        if (config.seed() != given.seed() || config.dataSeed() != given.dataSeed()) {
            throw new UserError(dir.file(RunDirectory.CONFIG) + " holds seed " + config.seed() + ", data seed "
                    + config.dataSeed() + ", not the replica's " + given.seed() + ", " + given.dataSeed());
        }
        return config;
    }

    /** The run's config.json; a malformed one is bad input naming it, then remedy (e.g. "; move the run away"). */
    public static TrainConfig stored(RunDirectory dir, String remedy) throws IOException {
        try {
            return dir.readConfig();
        } catch (FileSystemException cannotRead) {
            throw cannotRead;
        } catch (IOException e) {
            throw new UserError(IOFaults.describe(e) + remedy);
        }
    }

    private static boolean sameValue(Object given, Object stored) {
        if (given instanceof Number && stored instanceof Number) {
            return ((Number) given).doubleValue() == ((Number) stored).doubleValue();
        }
        return Objects.equals(String.valueOf(given), String.valueOf(stored));
    }

    /**
     * Before a run is continued: its config.json must describe the model its checkpoints hold (the parameter count
     * it recorded), and its training state must load into that model; a run past iteration 0 must have one.
     */
    public static void checkCheckpoints(ReplicaShards trainer, List<RunDirectory> dirs) throws IOException {
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
                checkNoStateNeeded(dir, state);
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

    /** A run without a training state must not have logged past iteration 0. */
    private static void checkNoStateNeeded(RunDirectory dir, Path state) {
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
    }
}
