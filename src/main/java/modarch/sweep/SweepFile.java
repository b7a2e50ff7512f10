package modarch.sweep;

import java.io.IOException;
import java.io.Reader;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import modarch.Checks;
import modarch.UserError;
import modarch.model.Family;
import modarch.model.FamilyOptions;
import modarch.model.ModelKind;
import modarch.model.Registry;
import modarch.model.TaskSpec;
import modarch.nn.RouterRegularization;
import modarch.train.Capacity;
import modarch.train.EvalCounts;
import modarch.train.RunId;
import modarch.train.TrainConfig;
import org.yaml.snakeyaml.LoaderOptions;
import org.yaml.snakeyaml.Yaml;
import org.yaml.snakeyaml.constructor.SafeConstructor;
import org.yaml.snakeyaml.error.MarkedYAMLException;
import org.yaml.snakeyaml.error.YAMLException;
import org.yaml.snakeyaml.nodes.Node;

/**
 * Reads a sweep file (YAML) into a {@link Sweep}. The file:
 * <pre>
 * name: quick                  # the default results folder is results/NAME
 * iterations: 10000            # these four: defaults of every grid (each grid may set its own)
 * eval_every: 1000
 * batch_size: 256
 * lr: 1.0e-4
 * group_size: 25               # at most this many runs of one shape trained side by side
 * evaluation: {performance_batches: 100, activation_batches: 1000, adaptation_batches: 10, batch_size: 1000}
 * grids:
 *   - tasks: [mlp-regression, mlp-classification]
 *     kinds: [gt-modular, modular-op, modular, monolithic]
 *     rules: [2, 4, 8]
 *     capacities: [[32, 128], [64, 256]]   # mlp [enc_dim, dim]; mha [dim, att_dim]; rnn [enc_dim, h_dim]
 *     data_seeds: 0..4                       # lists, single values or inclusive ranges A..B
 *     seeds: 0..4
 *     options: {search_version: [1, 2], seq_len: 10}   # the family's options; lists expand
 *     # also the routing regularisers' weights (numbers): load_balance, router_z_loss, mi_loss; and router_topk
 * </pre>
 * A grid expands to tasks x options x kinds x rules x capacities x data seeds x seeds, in that order; a run given by
 * two grids is kept once. Every fault is one line naming the file, line and key (exit 2).
 */
public final class SweepFile {
    private static final List<String> TOP_KEYS = List.of("name", "description", "iterations", "eval_every",
            "batch_size", "lr", "group_size", "evaluation", "grids");
    private static final List<String> GRID_KEYS = List.of("tasks", "kinds", "rules", "capacities", "data_seeds",
            "seeds", "iterations", "eval_every", "batch_size", "lr", "options");
    private static final List<String> EVALUATION_KEYS = List.of("performance_batches", "activation_batches",
            "adaptation_batches", "batch_size");
    private static final List<String> OPTION_KEYS = List.of("search_version", "seq_len", "attention_topk", "d_dim",
            "order", "load_balance", "router_z_loss", "mi_loss", "router_topk");
    /** The routing regularisers' weights among the options (numbers, any family the engine allows them for). */
    private static final List<String> REGULARIZER_KEYS = List.of("load_balance", "router_z_loss", "mi_loss");
    public static final int DEFAULT_GROUP_SIZE = 25;
    private static final long DEFAULT_BATCH_SIZE = 256;
    private static final double DEFAULT_LR = 1e-4;
    private static final long DEFAULT_EVAL_EVERY = 5000;

    private final Path file;
    private final YamlValues yaml;

    private SweepFile(Path file) {
        this.file = file;
        this.yaml = new YamlValues(file);
    }

    /** The sweep of a file; a missing file is bad input, an unreadable one an IOException naming it. */
    public static Sweep load(Path file) throws IOException {
        if (Files.isDirectory(file)) throw new UserError("sweep file " + file + " is a directory: give a .yaml file");
        Node root;
        try (Reader reader = Files.newBufferedReader(file)) {
            root = new Yaml(new SafeConstructor(new LoaderOptions())).compose(reader);
        } catch (NoSuchFileException e) {
            throw new UserError("sweep file " + file + " does not exist");
        } catch (MarkedYAMLException e) {
            int line = e.getProblemMark() != null ? e.getProblemMark().getLine() + 1 : 0;
            throw new UserError(file + " line " + line + ": not valid YAML: " + e.getProblem());
        } catch (YAMLException e) {
            throw new UserError(file + ": not valid YAML: " + e.getMessage());
        }
        if (root == null) throw new UserError(file + " is empty: a sweep file needs at least 'grids'");
        return new SweepFile(file).read(root);
    }

    /** The values a grid inherits from the top of the file. */
    private record Defaults(Long iterations, long evalEvery, int batchSize, double lr) {
    }

    private Sweep read(Node root) {
        Map<String, Node> top = yaml.mapping(root, null, TOP_KEYS);
        String name = top.containsKey("name") ? yaml.string(top.get("name"), "name") : defaultName();
        if (!name.matches("[A-Za-z0-9._-]{1,64}")) {
            throw yaml.error(top.get("name"), "name", "'" + name + "' is not allowed: use 1 to 64 letters, digits, '.', '_' or '-'"
                    + " (it names the results folder)");
        }
        Defaults defaults = new Defaults(
                top.containsKey("iterations") ? yaml.integer(top.get("iterations"), "iterations", 1L, Long.MAX_VALUE) : null,
                top.containsKey("eval_every") ? yaml.integer(top.get("eval_every"), "eval_every", 1L, Long.MAX_VALUE) : DEFAULT_EVAL_EVERY,
                top.containsKey("batch_size") ? yaml.integer(top.get("batch_size"), "batch_size", 1, Integer.MAX_VALUE) : (int) DEFAULT_BATCH_SIZE,
                top.containsKey("lr") ? yaml.number(top.get("lr"), "lr") : DEFAULT_LR);
        int groupSize = top.containsKey("group_size") ? yaml.integer(top.get("group_size"), "group_size", 1, 4096)
                : DEFAULT_GROUP_SIZE;
        EvalCounts counts = top.containsKey("evaluation") ? evaluation(top.get("evaluation")) : EvalCounts.REFERENCE;
        if (!top.containsKey("grids")) throw yaml.error(root, null, "key 'grids' is missing: a sweep needs at least one grid");
        Map<String, SweepRun> runs = new LinkedHashMap<>();
        for (Node grid : yaml.list(top.get("grids"), "grids")) {
            for (TrainConfig config : grid(grid, defaults)) runs.putIfAbsent(RunId.of(config), SweepRun.of(config));
        }
        return Sweep.of(name, counts, groupSize, new ArrayList<>(runs.values()));
    }

    private String defaultName() {
        String base = file.getFileName().toString();
        return base.replaceFirst("\\.ya?ml$", "");
    }

    private EvalCounts evaluation(Node node) {
        Map<String, Node> map = yaml.mapping(node, "evaluation", EVALUATION_KEYS);
        EvalCounts d = EvalCounts.REFERENCE;
        return new EvalCounts(
                map.containsKey("performance_batches") ? yaml.integer(map.get("performance_batches"), "performance_batches", 1, 1_000_000) : d.performanceBatches(),
                map.containsKey("activation_batches") ? yaml.integer(map.get("activation_batches"), "activation_batches", 1, 1_000_000) : d.activationBatches(),
                map.containsKey("adaptation_batches") ? yaml.integer(map.get("adaptation_batches"), "adaptation_batches", 1, 1_000_000) : d.adaptationBatches(),
                map.containsKey("batch_size") ? yaml.integer(map.get("batch_size"), "batch_size", 1, 1_000_000) : d.batchSize());
    }

    private List<TrainConfig> grid(Node node, Defaults defaults) {
        Map<String, Node> grid = yaml.mapping(node, "grids", GRID_KEYS);
        for (String required : List.of("tasks", "kinds", "rules")) {
            if (!grid.containsKey(required)) throw yaml.error(node, null, "key '" + required + "' is missing in this grid");
        }
        List<TaskSpec> tasks = new ArrayList<>();
        for (Node task : yaml.list(grid.get("tasks"), "tasks")) {
            TaskSpec spec = parse(task, "tasks", () -> Registry.task(yaml.string(task, "tasks")));
            if (tasks.contains(spec)) throw yaml.error(task, "tasks", "'" + spec.cliName() + "' is given twice");
            tasks.add(spec);
        }
        List<ModelKind> kinds = new ArrayList<>();
        for (Node kind : yaml.list(grid.get("kinds"), "kinds")) {
            ModelKind parsed = parse(kind, "kinds", () -> ModelKind.parse(yaml.string(kind, "kinds")));
            if (kinds.contains(parsed)) throw yaml.error(kind, "kinds", "'" + parsed.cliName() + "' is given twice");
            kinds.add(parsed);
        }
        List<Long> rules = yaml.integers(grid.get("rules"), "rules", Checks.MIN_RULES, Checks.MAX_RULES);
        List<Long> dataSeeds = grid.containsKey("data_seeds")
                ? yaml.integers(grid.get("data_seeds"), "data_seeds", 0, Checks.MAX_SEED) : List.of(0L);
        List<Long> seeds = grid.containsKey("seeds") ? yaml.integers(grid.get("seeds"), "seeds", 0, Checks.MAX_SEED)
                : List.of(0L);
        Long iterations = grid.containsKey("iterations")
                ? (Long) yaml.integer(grid.get("iterations"), "iterations", 1L, Long.MAX_VALUE) : defaults.iterations();
        long evalEvery = grid.containsKey("eval_every")
                ? yaml.integer(grid.get("eval_every"), "eval_every", 1L, Long.MAX_VALUE) : defaults.evalEvery();
        int batchSize = grid.containsKey("batch_size")
                ? yaml.integer(grid.get("batch_size"), "batch_size", 1, Integer.MAX_VALUE) : defaults.batchSize();
        double lr = grid.containsKey("lr") ? yaml.number(grid.get("lr"), "lr") : defaults.lr();

        List<TrainConfig> out = new ArrayList<>();
        for (TaskSpec task : tasks) {
            Family family = task.family();
            List<Capacity> capacities = grid.containsKey("capacities") ? capacities(grid.get("capacities"), family)
                    : List.of(Capacity.defaults(family));
            for (OptionSet set : options(grid.get("options"), task)) {
                FamilyOptions options = set.options();
                for (ModelKind kind : kinds) {
                    for (long r : rules) {
                        for (Capacity capacity : capacities) {
                            Capacity.Widths widths = capacity.widths(task, options);
                            long steps = iterations != null ? iterations : family.defaultIterations();
                            TrainConfig shape = parse(node, null, () -> new TrainConfig(task, kind, (int) r,
                                    widths.encDim(), widths.dim(), widths.options(), batchSize, lr, steps, evalEvery,
                                    0, 0, set.regularization(), set.routerTopK()));
                            for (long d : dataSeeds) {
                                for (long s : seeds) out.add(shape.withSeeds(s, d));
                            }
                        }
                    }
                }
            }
        }
        return out;
    }

    /** Capacities: a list of pairs [A, B] of positive widths. */
    private List<Capacity> capacities(Node node, Family family) {
        List<Capacity> out = new ArrayList<>();
        Set<String> seen = new LinkedHashSet<>();
        for (Node pair : yaml.list(node, "capacities")) {
            List<Node> widths = pair instanceof org.yaml.snakeyaml.nodes.SequenceNode
                    ? ((org.yaml.snakeyaml.nodes.SequenceNode) pair).getValue() : List.of();
            if (widths.size() != 2) {
                throw yaml.error(pair, "capacities", "each capacity is a pair " + Capacity.names(family)
                        + " of the " + family.name() + " family, e.g. [[32, 128], [64, 256]]");
            }
            Capacity capacity = new Capacity(yaml.integer(widths.get(0), "capacities", 1, 1 << 20),
                    yaml.integer(widths.get(1), "capacities", 1, 1 << 20));
            if (!seen.add(capacity.toString())) {
                throw yaml.error(pair, "capacities", "[" + capacity.a() + ", " + capacity.b() + "] is given twice");
            }
            out.add(capacity);
        }
        return out;
    }

    /** One combination of a grid's options: the family's, the routing regularisers' weights and top-k routing. */
    private record OptionSet(FamilyOptions options, RouterRegularization regularization, int routerTopK) {
        OptionSet with(FamilyOptions other) {
            return new OptionSet(other, regularization, routerTopK);
        }

        OptionSet with(RouterRegularization other) {
            return new OptionSet(options, other, routerTopK);
        }

        OptionSet withRouterTopK(int k) {
            return new OptionSet(options, regularization, k);
        }
    }

    /** Every combination of the grid's options (lists expand), over the family's defaults and no regulariser. */
    private List<OptionSet> options(Node node, TaskSpec task) {
        Family family = task.family();
        List<OptionSet> out = new ArrayList<>(List.of(new OptionSet(family.defaults(), RouterRegularization.NONE, 0)));
        if (node == null) return out;
        for (Map.Entry<String, Node> e : yaml.mapping(node, "options", OPTION_KEYS).entrySet()) {
            String key = e.getKey();
            List<OptionSet> expanded = new ArrayList<>();
            if (REGULARIZER_KEYS.contains(key)) {
                for (double weight : yaml.weights(e.getValue(), key)) {
                    for (OptionSet o : out) expanded.add(o.with(with(o.regularization(), key, weight)));
                }
                out = expanded;
                continue;
            }
            if (key.equals("router_topk")) {
                for (long k : yaml.integers(e.getValue(), key, 0, Integer.MAX_VALUE)) {
                    for (OptionSet o : out) expanded.add(o.withRouterTopK((int) k));
                }
                out = expanded;
                continue;
            }
            boolean applies = family.attention() ? !key.equals("d_dim") && !key.equals("order")
                    : family.recurrent() ? !key.equals("search_version") && !key.equals("attention_topk") : false;
            if (!applies) {
                throw yaml.error(e.getValue(), key, "does not apply to " + task.cliName()
                        + "; give it in a grid of the tasks that have it");
            }
            for (long value : yaml.integers(e.getValue(), key, 0, Integer.MAX_VALUE)) {
                for (OptionSet o : out) expanded.add(o.with(with(o.options(), key, (int) value)));
            }
            out = expanded;
        }
        return out;
    }

    private static RouterRegularization with(RouterRegularization r, String key, double weight) {
        return switch (key) {
            case "load_balance" -> new RouterRegularization(weight, r.zLoss(), r.miLoss());
            case "router_z_loss" -> new RouterRegularization(r.loadBalance(), weight, r.miLoss());
            case "mi_loss" -> new RouterRegularization(r.loadBalance(), r.zLoss(), weight);
            default -> throw new IllegalArgumentException(key);
        };
    }

    private static FamilyOptions with(FamilyOptions o, String key, int v) {
        return switch (key) {
            case "search_version" -> new FamilyOptions(o.attDim(), v, o.seqLen(), o.attentionTopK(), o.dDim(), o.order());
            case "seq_len" -> new FamilyOptions(o.attDim(), o.searchVersion(), v, o.attentionTopK(), o.dDim(), o.order());
            case "attention_topk" -> new FamilyOptions(o.attDim(), o.searchVersion(), o.seqLen(), v, o.dDim(), o.order());
            case "d_dim" -> new FamilyOptions(o.attDim(), o.searchVersion(), o.seqLen(), o.attentionTopK(), v, o.order());
            case "order" -> new FamilyOptions(o.attDim(), o.searchVersion(), o.seqLen(), o.attentionTopK(), o.dDim(), v);
            default -> throw new IllegalArgumentException(key);
        };
    }

    /** A value the engine's own checks refuse becomes a line error at the node. */
    private <T> T parse(Node node, String key, java.util.function.Supplier<T> parse) {
        try {
            return parse.get();
        } catch (UserError refused) {
            throw yaml.error(node, key, refused.getMessage());
        }
    }
}
