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
import modarch.model.ModelKind;
import modarch.model.ModelSpec;
import modarch.model.OptionValues;
import modarch.model.Registry;
import modarch.model.RunOption;
import modarch.backend.Precision;
import modarch.model.TaskSpec;
import modarch.model.mlp.MlpOptions;
import modarch.nn.RouterRegularization;
import modarch.task.Task;

/**
 * Every option of one training run: the task, the kind, the rule count, the family's options (its widths among
 * them), the recipe and seeds; regularization the routing regularisers' weights (beyond the paper;
 * {@link RouterRegularization#NONE} is its recipe); routerTopK the modules each example is routed to (beyond the
 * paper; 0, and equally the rule count, is its dense routing, stored as 0); precision the arithmetic of the
 * model's matrix products (FP32 in the paper's recipe). Its options are declared in {@link TrainOptions} and the
 * family's type; config.json and the run id are made from those declarations.
 */
public record TrainConfig(TaskSpec task, ModelKind model, int rules, FamilyOptions options, int batchSize, double lr,
                          long iterations, long evalEvery, long seed, long dataSeed, RouterRegularization regularization,
                          int routerTopK, Precision precision) {

    /**
     * Its key in config.json (and so in the run id), written when not fp32 (like the other options beyond the paper):
     * fp32 runs keep their config.json and ids, and a config.json without it is an fp32 run.
     */
    public static final String PRECISION_KEY = "precision";

    /** Throws UserError with a one-line message naming the bad value and what is allowed. */
    public TrainConfig {
        if (options.family() != task.family()) {
            throw new IllegalArgumentException(options + " are not options of " + task.cliName());
        }
        Checks.rules(rules);
        Checks.dataSeed(dataSeed);
        options.check(model, rules);
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
        if (precision == null) throw new IllegalArgumentException("a run needs a precision");
    }

    /** A run with dense routing and the given regularisers. */
    public TrainConfig(TaskSpec task, ModelKind model, int rules, FamilyOptions options, int batchSize, double lr,
                       long iterations, long evalEvery, long seed, long dataSeed, RouterRegularization regularization) {
        this(task, model, rules, options, batchSize, lr, iterations, evalEvery, seed, dataSeed, regularization, 0,
                Precision.FP32);
    }

    /** A run with the paper's routing (no regulariser). */
    public TrainConfig(TaskSpec task, ModelKind model, int rules, FamilyOptions options, int batchSize, double lr,
                       long iterations, long evalEvery, long seed, long dataSeed) {
        this(task, model, rules, options, batchSize, lr, iterations, evalEvery, seed, dataSeed,
                RouterRegularization.NONE);
    }

    /** An MLP-family run of encoder width encDim and model width dim, with the paper's routing. */
    public TrainConfig(TaskSpec task, ModelKind model, int rules, int encDim, int dim, int batchSize, double lr,
                       long iterations, long evalEvery, long seed, long dataSeed) {
        this(task, model, rules, new MlpOptions(encDim, dim), batchSize, lr, iterations, evalEvery, seed, dataSeed);
    }

    /** The run of option values (every option of {@link TrainOptions#of} the task). */
    public static TrainConfig of(TaskSpec task, ModelKind model, OptionValues v) {
        return new TrainConfig(task, model, v.i(TrainOptions.RULES), task.family().options(v),
                v.i(TrainOptions.BATCH_SIZE), v.d(TrainOptions.LR), v.l(TrainOptions.ITERATIONS),
                v.l(TrainOptions.EVAL_EVERY), v.l(TrainOptions.SEED), v.l(TrainOptions.DATA_SEED),
                new RouterRegularization(v.d(TrainOptions.LOAD_BALANCE), v.d(TrainOptions.ROUTER_Z_LOSS),
                        v.d(TrainOptions.MI_LOSS)), v.i(TrainOptions.ROUTER_TOPK), Precision.FP32);
    }

    private static void checkRegularization(ModelKind model, RouterRegularization weights) {
        RunOption[] options = {TrainOptions.LOAD_BALANCE, TrainOptions.ROUTER_Z_LOSS, TrainOptions.MI_LOSS};
        double[] values = {weights.loadBalance(), weights.zLoss(), weights.miLoss()};
        for (int i = 0; i < values.length; i++) {
            if (!(values[i] >= 0) || values[i] > Float.MAX_VALUE) {
                throw new UserError(options[i].cli() + " " + values[i] + " is not allowed: it must be a finite"
                        + " weight >= 0 (0, the default, is the paper's recipe)");
            }
        }
        if (!weights.active()) return;
        checkLearnedRouting(options[values[0] != 0 ? 0 : values[1] != 0 ? 1 : 2], model);
    }

    /** The routing options apply to the kinds whose routing is learned ({@link TrainOptions#LEARNED_ROUTINGS}). */
    private static void checkLearnedRouting(RunOption given, ModelKind model) {
        if (!TrainOptions.LEARNED_ROUTINGS.contains(model)) {
            throw new UserError(given.cli() + " applies to the learned routings (" + Checks.names(
                    List.copyOf(TrainOptions.LEARNED_ROUTINGS), ModelKind::cliName) + "), not to " + model.cliName());
        }
    }

    private static void checkRouterTopK(TaskSpec task, ModelKind model, int rules, int topK) {
        if (topK == 0) return;
        if (topK < 0 || topK > rules) {
            throw new UserError("--router-topk " + topK + " is not allowed: it must be in 1.." + rules
                    + " (--rules), or 0 for dense routing (the default)");
        }
        checkLearnedRouting(TrainOptions.ROUTER_TOPK, model);
        task.family().checkRouterTopK(topK);
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
        return options.modelSpec(model, rules, instance.inputWidth(), instance.labelWidth(), instance.trainLength(),
                maxLength).withRegularization(regularization).withRouterTopK(routerTopK).withPrecision(precision);
    }

    /** The same run with other seeds: a replica of a group. */
    public TrainConfig withSeeds(long seed, long dataSeed) {
        return new TrainConfig(task, model, rules, options, batchSize, lr, iterations, evalEvery, seed, dataSeed,
                regularization, routerTopK, precision);
    }

    /** The same run with its products in the given arithmetic. */
    public TrainConfig withPrecision(Precision p) {
        return new TrainConfig(task, model, rules, options, batchSize, lr, iterations, evalEvery, seed, dataSeed,
                regularization, routerTopK, p);
    }

    /** True when the two differ at most in their seeds, so they can train side by side as replicas. */
    public boolean sameShape(TrainConfig other) {
        return withSeeds(0, 0).equals(other.withSeeds(0, 0));
    }

    /** The options as written to config.json: task, model, {@link TrainOptions#values}, then the precision unless fp32. */
    public Map<String, Object> toMap() {
        Map<String, Object> map = new LinkedHashMap<>();
        map.put("task", task.cliName());
        map.put("model", model.cliName());
        map.putAll(TrainOptions.values(this));
        if (precision != Precision.FP32) map.put(PRECISION_KEY, precision.key());
        return map;
    }

    /**
     * Inverse of {@link #toMap()} for a run's config.json as {@link StrictJson} read it (plus the keys a trainer
     * adds: {@code extraKeys}): every key required with its exact JSON type (the routing options beyond the paper
     * may be absent), no unknown key, values checked as options are; a fault is an IOException (or a UserError for
     * a bad value) naming the file.
     */
    public static TrainConfig fromMap(Map<String, Object> map, Collection<String> extraKeys, Path file) throws IOException {
        try {
            TaskSpec task = Registry.task(StrictJson.requireString(map, "task", file));
            Set<String> allowed = new HashSet<>(Set.of("task", "model", PRECISION_KEY));
            for (RunOption option : TrainOptions.of(task)) allowed.add(option.key());
            allowed.addAll(extraKeys);
            StrictJson.refuseUnknownKeys(map, allowed, file);
            ModelKind model = ModelKind.parse(StrictJson.requireString(map, "model", file));
            OptionValues values = TrainOptions.defaults(task);
            for (RunOption option : TrainOptions.of(task)) {
                if (TrainOptions.optional(option) && !map.containsKey(option.key())) continue;
                values.put(option, read(map, option, file));
            }
            return of(task, model, values).withPrecision(map.containsKey(PRECISION_KEY)
                    ? precision(StrictJson.requireString(map, PRECISION_KEY, file)) : Precision.FP32);
        } catch (UserError badValue) {
            throw new UserError(file + ": " + badValue.getMessage());
        }
    }

    /** The precision called key (its name as given: "--precision", a sweep file's or config.json's key). */
    public static Precision precision(String key) {
        try {
            return Precision.of(key);
        } catch (IllegalArgumentException notOne) {
            throw new UserError(notOne.getMessage());
        }
    }

    /** The option's value in map, of its exact JSON type. */
    private static Number read(Map<String, Object> map, RunOption option, Path file) throws IOException {
        return switch (option.type()) {
            case INT -> (Number) StrictJson.requireInt(map, option.key(), file);
            case LONG -> (Number) StrictJson.requireLong(map, option.key(), file);
            case DOUBLE -> (Number) StrictJson.requireDouble(map, option.key(), file);
        };
    }
}
