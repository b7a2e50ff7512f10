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
import modarch.nn.GroupLstmCell;
import modarch.nn.RouterRegularization;
import modarch.task.RnnTask;
import modarch.task.Task;

/**
 * Every option of one training run, with the reference's defaults. encDim is the MLP and RNN families' encoder
 * width (0 for MHA); dim is the MLP's D, the MHA's token width, the RNN's h_dim; options holds the MHA and RNN
 * families' ({@link FamilyOptions#NONE} for MLP); regularization the routing regularisers' weights (beyond the paper;
 * {@link RouterRegularization#NONE} is its recipe); routerTopK the modules each example is routed to (beyond the
 * paper; 0, and equally the rule count, is its dense routing, stored as 0).
 */
public record TrainConfig(TaskSpec task, ModelKind model, int rules, int encDim, int dim, FamilyOptions options,
                          int batchSize, double lr, long iterations, long evalEvery, long seed, long dataSeed,
                          RouterRegularization regularization, int routerTopK) {
    /** The longest sequence the attention op takes (its kernel's shared-memory bound), and the RNN's training bound. */
    public static final int MAX_SEQ_LEN = 256;

    /** Throws UserError with a one-line message naming the bad value and what is allowed. */
    public TrainConfig {
        Checks.rules(rules);
        Checks.dataSeed(dataSeed);
        if (task.family().attention()) {
            checkAttention(rules, encDim, dim, options);
        } else if (task.family().recurrent()) {
            checkRecurrent(model, rules, encDim, dim, options);
        } else {
            if (!options.equals(FamilyOptions.NONE)) {
                throw new UserError("--att-dim, --search-version, --seq-len, --attention-topk, --d-dim and --order"
                        + " apply to the mha or rnn tasks, not to " + task.cliName());
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
        checkRegularization(model, regularization);
        checkRouterTopK(task, model, rules, routerTopK);
        if (routerTopK == rules) routerTopK = 0; // every module: the dense routing, one run id
    }

    /** A run with dense routing and the given regularisers. */
    public TrainConfig(TaskSpec task, ModelKind model, int rules, int encDim, int dim, FamilyOptions options,
                       int batchSize, double lr, long iterations, long evalEvery, long seed, long dataSeed,
                       RouterRegularization regularization) {
        this(task, model, rules, encDim, dim, options, batchSize, lr, iterations, evalEvery, seed, dataSeed,
                regularization, 0);
    }

    /** A run with the paper's routing (no regulariser). */
    public TrainConfig(TaskSpec task, ModelKind model, int rules, int encDim, int dim, FamilyOptions options,
                       int batchSize, double lr, long iterations, long evalEvery, long seed, long dataSeed) {
        this(task, model, rules, encDim, dim, options, batchSize, lr, iterations, evalEvery, seed, dataSeed,
                RouterRegularization.NONE);
    }

    /** The regularisers' options, as the command line names them, and the JSON keys of config.json. */
    public static final List<String> REGULARIZER_OPTIONS = List.of("--load-balance", "--router-z-loss", "--mi-loss");
    private static final List<String> REGULARIZER_KEYS = List.of("load_balance", "router_z_loss", "mi_loss");

    private static void checkRegularization(ModelKind model, RouterRegularization weights) {
        double[] values = {weights.loadBalance(), weights.zLoss(), weights.miLoss()};
        for (int i = 0; i < values.length; i++) {
            if (!(values[i] >= 0) || values[i] > Float.MAX_VALUE) {
                throw new UserError(REGULARIZER_OPTIONS.get(i) + " " + values[i] + " is not allowed: it must be a finite"
                        + " weight >= 0 (0, the default, is the paper's recipe)");
            }
        }
        if (!weights.active()) return;
        String given = REGULARIZER_OPTIONS.get(values[0] != 0 ? 0 : values[1] != 0 ? 1 : 2);
        if (model != ModelKind.MODULAR && model != ModelKind.MODULAR_OP) {
            throw new UserError(given + " applies to the learned routings (modular, modular-op), not to "
                    + model.cliName());
        }
    }

    private static void checkRouterTopK(TaskSpec task, ModelKind model, int rules, int topK) {
        if (topK == 0) return;
        if (topK < 0 || topK > rules) {
            throw new UserError("--router-topk " + topK + " is not allowed: it must be in 1.." + rules
                    + " (--rules), or 0 for dense routing (the default)");
        }
        if (model != ModelKind.MODULAR && model != ModelKind.MODULAR_OP) {
            throw new UserError("--router-topk applies to the learned routings (modular, modular-op), not to "
                    + model.cliName());
        }
        if (task.family().recurrent()) {
            throw new UserError("--router-topk is not available for the rnn tasks (their modules are one fused LSTM"
                    + " step); use an mlp or mha task");
        }
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

    private static void checkRecurrent(ModelKind model, int rules, int encDim, int hDim, FamilyOptions options) {
        Checks.positive("--enc-dim", encDim);
        Checks.positive("--h-dim", hDim);
        Checks.inRange("--d-dim", options.dDim(), 1, RnnTask.MAX_DIM, null);
        Checks.inRange("--order", options.order(), 1, RnnTask.MAX_ORDER, null);
        Checks.inRange("--seq-len", options.seqLen(), 1, MAX_SEQ_LEN, null);
        if (model != ModelKind.MONOLITHIC && GroupLstmCell.moduleHidden(rules, encDim, hDim) < 1) {
            throw new UserError("--h-dim " + hDim + " with --enc-dim " + encDim + " gives the " + rules
                    + " modules' LSTMs no width (the reference's parameter matching); raise --h-dim");
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
                instance.inputWidth(), instance.labelWidth(), instance.trainLength(), maxLength, regularization, routerTopK);
    }

    /** The same run with other seeds: a replica of a group. */
    public TrainConfig withSeeds(long seed, long dataSeed) {
        return new TrainConfig(task, model, rules, encDim, dim, options, batchSize, lr, iterations, evalEvery, seed,
                dataSeed, regularization, routerTopK);
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
        } else if (task.family().recurrent()) {
            map.put("enc_dim", encDim);
            map.put("h_dim", dim);
            map.put("d_dim", options.dDim());
            map.put("order", options.order());
            map.put("seq_len", options.seqLen());
        } else {
            map.put("enc_dim", encDim);
            map.put("dim", dim);
        }
        if (regularization.active()) {
            // only when set: the paper's runs keep their config.json and run ids
            map.put("load_balance", regularization.loadBalance());
            map.put("router_z_loss", regularization.zLoss());
            map.put("mi_loss", regularization.miLoss());
        }
        if (routerTopK > 0) map.put("router_topk", routerTopK); // likewise
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
            boolean recurrent = task.family().recurrent();
            Set<String> allowed = new HashSet<>(attention ? ATTENTION_KEYS : recurrent ? RECURRENT_KEYS : KEYS);
            allowed.addAll(extraKeys);
            allowed.addAll(REGULARIZER_KEYS);
            allowed.add("router_topk");
            StrictJson.refuseUnknownKeys(map, allowed, file);
            FamilyOptions options = attention ? new FamilyOptions(
                    StrictJson.requireInt(map, "att_dim", file),
                    StrictJson.requireInt(map, "search_version", file),
                    StrictJson.requireInt(map, "seq_len", file),
                    StrictJson.requireInt(map, "attention_topk", file))
                    : recurrent ? FamilyOptions.rnn(StrictJson.requireInt(map, "d_dim", file),
                            StrictJson.requireInt(map, "order", file), StrictJson.requireInt(map, "seq_len", file))
                    : FamilyOptions.NONE;
            return new TrainConfig(
                    task,
                    ModelKind.parse(StrictJson.requireString(map, "model", file)),
                    StrictJson.requireInt(map, "rules", file),
                    attention ? 0 : StrictJson.requireInt(map, "enc_dim", file),
                    StrictJson.requireInt(map, recurrent ? "h_dim" : "dim", file),
                    options,
                    StrictJson.requireInt(map, "batch_size", file),
                    StrictJson.requireDouble(map, "lr", file),
                    StrictJson.requireLong(map, "iterations", file),
                    StrictJson.requireLong(map, "eval_every", file),
                    StrictJson.requireLong(map, "seed", file),
                    StrictJson.requireLong(map, "data_seed", file),
                    new RouterRegularization(optionalWeight(map, "load_balance", file),
                            optionalWeight(map, "router_z_loss", file), optionalWeight(map, "mi_loss", file)),
                    map.containsKey("router_topk") ? StrictJson.requireInt(map, "router_topk", file) : 0);
        } catch (UserError badValue) {
            throw new UserError(file + ": " + badValue.getMessage());
        }
    }

    /** A regulariser's weight: absent is 0 (the paper's recipe, and every run written before the regularisers). */
    private static double optionalWeight(Map<String, Object> map, String key, Path file) throws IOException {
        return map.containsKey(key) ? StrictJson.requireDouble(map, key, file) : 0;
    }

    /** The keys of {@link #toMap()}: the MLP family's, the RNN family's and the attention families'. */
    private static final List<String> KEYS = List.of("task", "model", "rules", "enc_dim", "dim", "batch_size", "lr",
            "iterations", "eval_every", "seed", "data_seed");
    private static final List<String> RECURRENT_KEYS = List.of("task", "model", "rules", "enc_dim", "h_dim", "d_dim",
            "order", "seq_len", "batch_size", "lr", "iterations", "eval_every", "seed", "data_seed");
    private static final List<String> ATTENTION_KEYS = List.of("task", "model", "rules", "dim", "att_dim",
            "search_version", "seq_len", "attention_topk", "batch_size", "lr", "iterations", "eval_every", "seed",
            "data_seed");
}
