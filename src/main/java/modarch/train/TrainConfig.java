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
import modarch.model.FamilyOptions;
import modarch.model.MhaModel;
import modarch.model.ModelKind;
import modarch.model.ModelSpec;
import modarch.model.Registry;
import modarch.model.TaskSpec;
import modarch.task.Task;

/**
 * Every option of one training run, with the reference's defaults. encDim is the MLP family's (0 for MHA);
 * options holds the MHA family's ({@link FamilyOptions#NONE} for MLP).
 */
public record TrainConfig(TaskSpec task, ModelKind model, int rules, int encDim, int dim, FamilyOptions options,
                          int batchSize, double lr, long iterations, long evalEvery, long seed, long dataSeed) {
    /** The longest sequence the attention op takes (its kernel's shared-memory bound). */
    public static final int MAX_SEQ_LEN = 256;

    /** Throws UserError with a one-line message naming the bad value and what is allowed. */
    public TrainConfig {
        Checks.rules(rules);
        Checks.dataSeed(dataSeed);
        if (task.family().attention()) {
            checkAttention(rules, encDim, dim, options);
        } else {
            if (!options.equals(FamilyOptions.NONE)) {
                throw new UserError("--att-dim, --search-version, --seq-len and --attention-topk apply to the mha "
                        + "tasks, not to " + task.cliName());
            }
            if (dim < rules) {
                throw new UserError("--dim " + dim + " is smaller than --rules " + rules
                        + ": each module gets floor(dim/rules) units, so dim must be >= rules");
            }
            Checks.positive("--enc-dim", encDim);
        }
        Checks.positive("--batch-size", batchSize);
        Checks.positive("--iterations", iterations);
        Checks.positive("--eval-every", evalEvery);
        if (!(lr > 0) || Double.isInfinite(lr)) {
            throw new UserError("--lr " + lr + " is not allowed: it must be a positive finite number");
        }
        Checks.seed("--seed", seed);
    }

    /** An MLP-family run. */
    public TrainConfig(TaskSpec task, ModelKind model, int rules, int encDim, int dim, int batchSize, double lr,
                       long iterations, long evalEvery, long seed, long dataSeed) {
        this(task, model, rules, encDim, dim, FamilyOptions.NONE, batchSize, lr, iterations, evalEvery, seed, dataSeed);
    }

    private static void checkAttention(int rules, int encDim, int dim, FamilyOptions options) {
        if (encDim != 0) throw new UserError("--enc-dim applies to the mlp tasks; the mha tasks' encoder is --dim wide");
        Checks.positive("--dim", dim);
        int heads = MhaModel.HEADS_PER_RULE * rules;
        if (options.attDim() < heads) {
            throw new UserError("--att-dim " + options.attDim() + " is smaller than the " + heads + " heads of --rules "
                    + rules + ": each head gets att_dim / (2 rules) units, so att-dim must be >= " + heads);
        }
        Checks.searchVersion(options.searchVersion());
        Checks.seqLen(options.seqLen(), MAX_SEQ_LEN);
        if (options.attentionTopK() < 0) {
            throw new UserError("--attention-topk " + options.attentionTopK() + " is not allowed: it must be >= 1"
                    + " (or 0 for dense attention, the default)");
        }
    }

    /** The task instance of replica data seed d. */
    public Task newTask(long d) {
        return task.newTask(rules, d, options);
    }

    /** The model's shape: its widths, and the task's input width and longest evaluation length. */
    public ModelSpec modelSpec() {
        Task instance = newTask(dataSeed);
        int maxLength = instance.trainLength();
        for (int length : instance.evalLengths()) maxLength = Math.max(maxLength, length);
        return new ModelSpec(model, rules, encDim, dim, options.attDim(), options.attentionTopK(),
                instance.inputWidth(), maxLength);
    }

    /** The same run with other seeds: a replica of a group. */
    public TrainConfig withSeeds(long seed, long dataSeed) {
        return new TrainConfig(task, model, rules, encDim, dim, options, batchSize, lr, iterations, evalEvery, seed,
                dataSeed);
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
        if (task.family().attention()) {
            map.put("dim", dim);
            map.put("att_dim", options.attDim());
            map.put("search_version", options.searchVersion());
            map.put("seq_len", options.seqLen());
            map.put("attention_topk", options.attentionTopK());
        } else {
            map.put("enc_dim", encDim);
            map.put("dim", dim);
        }
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
        try {
            TaskSpec task = Registry.task(StrictJson.requireString(map, "task", file));
            boolean attention = task.family().attention();
            Set<String> allowed = new HashSet<>(attention ? ATTENTION_KEYS : KEYS);
            allowed.addAll(extraKeys);
            StrictJson.refuseUnknownKeys(map, allowed, file);
            FamilyOptions options = !attention ? FamilyOptions.NONE : new FamilyOptions(
                    StrictJson.requireInt(map, "att_dim", file),
                    StrictJson.requireInt(map, "search_version", file),
                    StrictJson.requireInt(map, "seq_len", file),
                    StrictJson.requireInt(map, "attention_topk", file));
            return new TrainConfig(
                    task,
                    ModelKind.parse(StrictJson.requireString(map, "model", file)),
                    StrictJson.requireInt(map, "rules", file),
                    attention ? 0 : StrictJson.requireInt(map, "enc_dim", file),
                    StrictJson.requireInt(map, "dim", file),
                    options,
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

    /** The keys of {@link #toMap()}: the MLP family's, and the attention families'. */
    private static final List<String> KEYS = List.of("task", "model", "rules", "enc_dim", "dim", "batch_size", "lr",
            "iterations", "eval_every", "seed", "data_seed");
    private static final List<String> ATTENTION_KEYS = List.of("task", "model", "rules", "dim", "att_dim",
            "search_version", "seq_len", "attention_topk", "batch_size", "lr", "iterations", "eval_every", "seed",
            "data_seed");
}
