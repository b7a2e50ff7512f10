package modarch.train;

import java.io.IOException;
import java.nio.file.Path;
import java.util.Collection;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import modarch.Checks;
import modarch.UserError;
import modarch.io.StrictJson;
import modarch.model.ModelKind;
import modarch.model.ModelSpec;
import modarch.model.Registry;
import modarch.model.TaskSpec;

/** Every option of one training run, with the reference's defaults. */
public record TrainConfig(TaskSpec task, ModelKind model, int rules, int encDim, int dim, int batchSize,
                          double lr, long iterations, long evalEvery, long seed, long dataSeed) {
    /** Throws UserError with a one-line message naming the bad value and what is allowed. */
    public TrainConfig {
        Checks.rules(rules);
        Checks.dataSeed(dataSeed);
        if (dim < rules) {
            throw new UserError("--dim " + dim + " is smaller than --rules " + rules
                    + ": each module gets floor(dim/rules) units, so dim must be >= rules");
        }
        Checks.positive("--enc-dim", encDim);
        Checks.positive("--batch-size", batchSize);
        Checks.positive("--iterations", iterations);
        Checks.positive("--eval-every", evalEvery);
        if (!(lr > 0) || Double.isInfinite(lr)) {
            throw new UserError("--lr " + lr + " is not allowed: it must be a positive finite number");
        }
        Checks.seed("--seed", seed);
    }

    /** The model's shape. */
    public ModelSpec modelSpec() {
        return new ModelSpec(model, rules, encDim, dim);
    }

    /** The same run with other seeds: a replica of a group. */
    public TrainConfig withSeeds(long seed, long dataSeed) {
        return new TrainConfig(task, model, rules, encDim, dim, batchSize, lr, iterations, evalEvery, seed, dataSeed);
    }

    /** True when the two differ at most in their seeds, so they can train side by side as replicas. */
    public boolean sameShape(TrainConfig other) {
        return withSeeds(0, 0).equals(other.withSeeds(0, 0));
    }

    /** The options as written to config.json, in CLI spelling. */
    public Map<String, Object> toMap() {
        Map<String, Object> map = new LinkedHashMap<>();
        map.put("task", task.cliName());
        map.put("model", model.cliName());
        map.put("rules", rules);
        map.put("enc_dim", encDim);
        map.put("dim", dim);
        map.put("batch_size", batchSize);
        map.put("lr", lr);
        map.put("iterations", iterations);
        map.put("eval_every", evalEvery);
        map.put("seed", seed);
        map.put("data_seed", dataSeed);
        return map;
    }

    /**
     * Inverse of {@link #toMap()} for a run's config.json as {@link StrictJson} read it (plus the keys a trainer
     * adds: {@code extraKeys}): every key required with its exact JSON type, no unknown key, values checked as
     * options are; a fault is an IOException (or a UserError for a bad value) naming the file.
     */
    public static TrainConfig fromMap(Map<String, Object> map, Collection<String> extraKeys, Path file) throws IOException {
        Set<String> allowed = new HashSet<>(KEYS);
        allowed.addAll(extraKeys);
        StrictJson.refuseUnknownKeys(map, allowed, file);
        try {
            return new TrainConfig(
                    Registry.task(StrictJson.requireString(map, "task", file)),
                    ModelKind.parse(StrictJson.requireString(map, "model", file)),
                    StrictJson.requireInt(map, "rules", file),
                    StrictJson.requireInt(map, "enc_dim", file),
                    StrictJson.requireInt(map, "dim", file),
                    StrictJson.requireInt(map, "batch_size", file),
                    StrictJson.requireDouble(map, "lr", file),
                    StrictJson.requireLong(map, "iterations", file),
                    StrictJson.requireLong(map, "eval_every", file),
                    StrictJson.requireLong(map, "seed", file),
                    StrictJson.requireLong(map, "data_seed", file));
        } catch (UserError badValue) {
            throw new UserError(file + ": " + badValue.getMessage());
        }
    }

    /** The keys of {@link #toMap()}. */
    private static final List<String> KEYS = List.of("task", "model", "rules", "enc_dim", "dim", "batch_size", "lr",
            "iterations", "eval_every", "seed", "data_seed");
}
