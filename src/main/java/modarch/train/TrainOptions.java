package modarch.train;

import java.util.ArrayList;
import java.util.Collection;
import java.util.Collections;
import java.util.EnumSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.function.Function;
import java.util.function.Predicate;
import modarch.UserError;
import modarch.model.ModelKind;
import modarch.model.OptionValues;
import modarch.model.Registry;
import modarch.model.RunOption;
import modarch.model.RunOption.Type;
import modarch.model.TaskSpec;

/**
 * The options every family has, declared once, each bound to its {@link TrainConfig} field and to when config.json
 * (and so the run id) records it; with the family's own options (after rules) they are config.json, in its order,
 * the command line's options, and a sweep file's keys.
 */
public final class TrainOptions {
    public static final RunOption RULES = new RunOption("rules", Type.INT, "<rules>", "2",
            "number of rules and modules, 2..64 (default ${DEFAULT-VALUE})");
    public static final RunOption LOAD_BALANCE = new RunOption("load_balance", Type.DOUBLE, "<loadBalance>", "0",
            "modular and modular-op, every task: weight of the Switch Transformer's load-balancing loss R sum_m f_m"
                    + " P_m (beyond the paper; default ${DEFAULT-VALUE})");
    public static final RunOption ROUTER_Z_LOSS = new RunOption("router_z_loss", Type.DOUBLE, "<routerZLoss>", "0",
            "as --load-balance: weight of ST-MoE's router z-loss, the mean squared logsumexp of the routing logits"
                    + " (default ${DEFAULT-VALUE})");
    public static final RunOption MI_LOSS = new RunOption("mi_loss", Type.DOUBLE, "<miLoss>", "0",
            "as --load-balance: weight of the negative mutual information between example and module, H(mean p) -"
                    + " mean H(p) (default ${DEFAULT-VALUE})");
    public static final RunOption ROUTER_TOPK = new RunOption("router_topk", Type.INT, "<routerTopK>", "0",
            "modular and modular-op, mlp and mha tasks: route each example to its K highest-scoring modules only, the"
                    + " softmax renormalised over them; the others get no rows and no gradient (beyond the paper;"
                    + " default 0: all modules, the paper's routing)");
    public static final RunOption BATCH_SIZE = new RunOption("batch_size", Type.INT, "<batchSize>", "256",
            "examples (sequences) per training step (default ${DEFAULT-VALUE})");
    public static final RunOption LR = new RunOption("lr", Type.DOUBLE, "<lr>", "1e-4",
            "Adam learning rate (default ${DEFAULT-VALUE})");
    public static final RunOption ITERATIONS = RunOption.of("iterations", Type.LONG, "<iterations>",
            "training steps (default: 100000 for mlp tasks, 500000 for mha and rnn tasks, as the reference)");
    public static final RunOption EVAL_EVERY = new RunOption("eval_every", Type.LONG, "<evalEvery>", "5000",
            "steps between evaluations and checkpoints (default ${DEFAULT-VALUE})");
    public static final RunOption SEED = new RunOption("seed", Type.LONG, "<seed>", "0",
            "model seed: initialisation and data stream, 0..4294967295 (default ${DEFAULT-VALUE})");
    public static final RunOption DATA_SEED = new RunOption("data_seed", Type.LONG, "<dataSeed>", "0",
            "task instance: the rules' coefficients (default ${DEFAULT-VALUE})");

    /** A common option: its TrainConfig field, and whether config.json records it (only when set: beyond the paper). */
    record Bound(RunOption option, Function<TrainConfig, Number> value, Predicate<TrainConfig> recorded) {
        static Bound always(RunOption option, Function<TrainConfig, Number> value) {
            return new Bound(option, value, c -> true);
        }

        /** A regulariser's weight: all three recorded when one is set, so that the paper's runs keep their ids. */
        static Bound regularizer(RunOption option, Function<TrainConfig, Number> value) {
            return new Bound(option, value, c -> c.regularization().active());
        }
    }

    /** Before the family's options in config.json. */
    static final List<Bound> HEAD = List.of(Bound.always(RULES, TrainConfig::rules));

    /** After the family's options in config.json. */
    static final List<Bound> TAIL = List.of(
            Bound.regularizer(LOAD_BALANCE, c -> c.regularization().loadBalance()),
            Bound.regularizer(ROUTER_Z_LOSS, c -> c.regularization().zLoss()),
            Bound.regularizer(MI_LOSS, c -> c.regularization().miLoss()),
            new Bound(ROUTER_TOPK, TrainConfig::routerTopK, c -> c.routerTopK() > 0),
            Bound.always(BATCH_SIZE, TrainConfig::batchSize),
            Bound.always(LR, TrainConfig::lr),
            Bound.always(ITERATIONS, TrainConfig::iterations),
            Bound.always(EVAL_EVERY, TrainConfig::evalEvery),
            Bound.always(SEED, TrainConfig::seed),
            Bound.always(DATA_SEED, TrainConfig::dataSeed));

    /** The kinds the routing options apply to: those whose routing is learned. */
    public static final Set<ModelKind> LEARNED_ROUTINGS = Collections.unmodifiableSet(
            EnumSet.of(ModelKind.MODULAR, ModelKind.MODULAR_OP));

    /** The training recipe, which a sweep file sets at its top (for every grid) or per grid. */
    public static final List<RunOption> RECIPE = List.of(ITERATIONS, EVAL_EVERY, BATCH_SIZE, LR);

    /** The options a grid's "options" may set besides the family's: the routing ones (beyond the paper). */
    public static final List<RunOption> ROUTING = List.of(LOAD_BALANCE, ROUTER_Z_LOSS, MI_LOSS, ROUTER_TOPK);

    private TrainOptions() {
    }

    /** Every option of a run of task, in config.json's order (after "task" and "model"). */
    public static List<RunOption> of(TaskSpec task) {
        List<RunOption> out = new ArrayList<>(options(HEAD));
        out.addAll(task.family().options());
        out.addAll(options(TAIL));
        return out;
    }

    /** Every option of every family, each once: the command line's. */
    public static List<RunOption> all() {
        List<RunOption> out = new ArrayList<>(options(HEAD));
        out.addAll(Registry.familyOptions());
        out.addAll(options(TAIL));
        return out;
    }

    /** The options config.json may leave out (absent: the default, the paper's recipe). */
    static boolean optional(RunOption option) {
        return ROUTING.contains(option);
    }

    /** The defaults of a run of task: the family's, the common options' own, and the family's iterations. */
    public static OptionValues defaults(TaskSpec task) {
        OptionValues values = new OptionValues();
        for (RunOption option : options(HEAD)) values.put(option, option.defaultValue());
        values.putAll(task.family().options(), task.family().defaults().values());
        for (RunOption option : options(TAIL)) {
            values.put(option, option == ITERATIONS ? task.family().defaultIterations() : option.defaultValue());
        }
        return values;
    }

    /**
     * The run of task and kind model from the options given (the others: their defaults, the family's where it has
     * its own); an option of another family is refused in one line, as the task's family words it.
     */
    public static TrainConfig config(TaskSpec task, String model, Map<RunOption, Number> given) {
        List<RunOption> options = of(task);
        OptionValues values = defaults(task);
        for (Map.Entry<RunOption, Number> e : given.entrySet()) {
            if (options.contains(e.getKey())) {
                values.put(e.getKey(), e.getValue());
                continue;
            }
            String refusal = task.family().refusal(e.getKey(), e.getValue(), task.cliName());
            if (refusal != null) throw new UserError(refusal);
        }
        return TrainConfig.of(task, ModelKind.parse(model), values);
    }

    /** The value in config of a common option (one of {@link #all()} that no family has). */
    public static Number value(TrainConfig config, RunOption option) {
        for (List<Bound> bound : List.of(HEAD, TAIL)) {
            for (Bound b : bound) {
                if (b.option().equals(option)) return b.value().apply(config);
            }
        }
        throw new IllegalArgumentException(option.key() + " is not a common option");
    }

    /** config.json's entries of config, after "task" and "model". */
    static Map<String, Object> values(TrainConfig config) {
        Map<String, Object> out = new LinkedHashMap<>();
        put(out, HEAD, config);
        out.putAll(config.options().values());
        put(out, TAIL, config);
        return out;
    }

    private static void put(Map<String, Object> out, List<Bound> bound, TrainConfig config) {
        for (Bound b : bound) {
            if (b.recorded().test(config)) out.put(b.option().key(), b.option().type().of(b.value().apply(config)));
        }
    }

    private static List<RunOption> options(Collection<Bound> bound) {
        return bound.stream().map(Bound::option).toList();
    }
}
