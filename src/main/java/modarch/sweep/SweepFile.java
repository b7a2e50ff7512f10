package modarch.sweep;

import java.io.IOException;
import java.io.Reader;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.stream.Stream;
import modarch.Checks;
import modarch.UserError;
import modarch.model.Family;
import modarch.model.ModelKind;
import modarch.model.OptionValues;
import modarch.model.Registry;
import modarch.model.RunOption;
import modarch.model.TaskSpec;
import modarch.train.BatchRows;
import modarch.backend.Precision;
import modarch.train.Capacity;
import modarch.train.EvalCounts;
import modarch.train.RunId;
import modarch.train.TrainConfig;
import modarch.train.TrainOptions;
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
 * precision: fp32              # of the matrix products: fp32 (the default), tf32 or 3xtf32; a grid may set its own
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
    /** The recipe's keys: set at the top for every grid, or in a grid for its own runs. */
    private static final List<String> RECIPE_KEYS = TrainOptions.RECIPE.stream().map(RunOption::key).toList();
    private static final List<String> TOP_KEYS = keys(List.of("name", "description"), RECIPE_KEYS,
            List.of("precision", "group_size", "tensorboard", "evaluation", "grids"));
    private static final List<String> GRID_KEYS = keys(List.of("tasks", "kinds", "rules", "capacities", "data_seeds",
            "seeds"), RECIPE_KEYS, List.of("precision", "options"));
    private static final List<String> EVALUATION_KEYS = List.of("performance_batches", "activation_batches",
            "adaptation_batches", "batch_size");
    /** A grid's options: every family's that are not a capacity, then the routing ones (any family). */
    private static final List<RunOption> OPTIONS = Stream.concat(Registry.variantOptions().stream(),
            TrainOptions.ROUTING.stream()).toList();
    private static final List<String> OPTION_KEYS = OPTIONS.stream().map(RunOption::key).toList();
    public static final int DEFAULT_GROUP_SIZE = 25;

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

    private static List<String> keys(List<String> before, List<String> recipe, List<String> after) {
        return Stream.of(before, recipe, after).flatMap(List::stream).toList();
    }

    private Sweep read(Node root) {
        Map<String, Node> top = yaml.mapping(root, null, TOP_KEYS);
        Node nameNode = top.get("name");
        String name = nameNode != null ? yaml.string(nameNode, "name") : defaultName();
        if (!name.matches("[A-Za-z0-9._-]{1,64}") || name.matches("\\.+")) {
            String why = "'" + name + "' is not allowed: use 1 to 64 letters, digits, '.', '_' or '-', not dots alone"
                    + " (it names the results folder, one folder inside results/)";
            throw nameNode != null ? yaml.error(nameNode, "name", why)
                    : new UserError(file + ": its name, taken from the file name, " + why + "; give it a 'name' key");
        }
        OptionValues defaults = recipe(top, new OptionValues());
        Precision precision = precision(top, Precision.FP32);
        int groupSize = top.containsKey("group_size") ? yaml.integer(top.get("group_size"), "group_size", 1, 4096)
                : DEFAULT_GROUP_SIZE;
        boolean tensorboard = !top.containsKey("tensorboard") || yaml.bool(top.get("tensorboard"), "tensorboard");
        EvalCounts counts = top.containsKey("evaluation") ? evaluation(top.get("evaluation")) : EvalCounts.REFERENCE;
        if (!top.containsKey("grids")) throw yaml.error(root, null, "key 'grids' is missing: a sweep needs at least one grid");
        List<Node> grids = yaml.list(top.get("grids"), "grids");
        GridLimit.check(file, grids.stream().mapToLong(this::count).reduce(0, GridLimit::plus));
        Map<String, SweepRun> runs = new LinkedHashMap<>();
        for (Node grid : grids) {
            for (TrainConfig config : grid(grid, defaults, precision)) runs.putIfAbsent(RunId.of(config), SweepRun.of(config));
        }
        Sweep sweep = Sweep.of(name, counts, groupSize, tensorboard, new ArrayList<>(runs.values()));
        checkRows(sweep);
        return sweep;
    }

    /** Each group's batches within {@link BatchRows#MAX}: its training pass (replicas side by side) and evaluation. */
    private void checkRows(Sweep sweep) {
        Map<TrainConfig, Integer> maxLength = new HashMap<>();
        try {
            for (ReplicaGroup group : sweep.groups()) {
                TrainConfig shape = group.runs().get(0).config();
                int length = maxLength.computeIfAbsent(shape.withSeeds(0, 0), s -> s.modelSpec().maxLength());
                BatchRows.check("batch_size", shape.batchSize(), group.runs().size(), length);
                BatchRows.check("evaluation batch_size", sweep.counts().batchSize(), 1, length);
            }
        } catch (UserError tooLarge) {
            throw new UserError(file + ": " + tooLarge.getMessage());
        }
    }

    /** inherited, and over it the recipe's values the mapping gives: positive numbers of their options' types. */
    private OptionValues recipe(Map<String, Node> mapping, OptionValues inherited) {
        OptionValues out = inherited.copy();
        for (RunOption option : TrainOptions.RECIPE) {
            Node node = mapping.get(option.key());
            if (node == null) continue;
            out.put(option, switch (option.type()) {
                case INT -> (Number) yaml.integer(node, option.key(), 1, Integer.MAX_VALUE);
                case LONG -> (Number) yaml.integer(node, option.key(), 1L, Long.MAX_VALUE);
                case DOUBLE -> (Number) yaml.number(node, option.key());
            });
        }
        return out;
    }

    private String defaultName() {
        String base = file.getFileName().toString();
        return base.replaceFirst("\\.ya?ml$", "");
    }

    private EvalCounts evaluation(Node node) {
        Map<String, Node> map = yaml.mapping(node, "evaluation", EVALUATION_KEYS);
        EvalCounts d = EvalCounts.REFERENCE;
        return new EvalCounts(
                map.containsKey("performance_batches") ? yaml.integer(map.get("performance_batches"), "performance_batches", 1, EvalCounts.MAX) : d.performanceBatches(),
                map.containsKey("activation_batches") ? yaml.integer(map.get("activation_batches"), "activation_batches", 1, EvalCounts.MAX) : d.activationBatches(),
                map.containsKey("adaptation_batches") ? yaml.integer(map.get("adaptation_batches"), "adaptation_batches", 1, EvalCounts.MAX) : d.adaptationBatches(),
                map.containsKey("batch_size") ? yaml.integer(map.get("batch_size"), "batch_size", 1, EvalCounts.MAX) : d.batchSize());
    }

    /** A grid's keys, the required ones checked. */
    private Map<String, Node> gridKeys(Node node) {
        Map<String, Node> grid = yaml.mapping(node, "grids", GRID_KEYS);
        for (String required : List.of("tasks", "kinds", "rules")) {
            if (!grid.containsKey(required)) throw yaml.error(node, null, "key '" + required + "' is missing in this grid");
        }
        return grid;
    }

    /** The runs a grid expands to, counted from the sizes of its axes (nothing is built). */
    private long count(Node node) {
        Map<String, Node> grid = gridKeys(node);
        long runs = GridLimit.times(yaml.list(grid.get("tasks"), "tasks").size(), yaml.list(grid.get("kinds"), "kinds").size());
        runs = GridLimit.times(runs, yaml.count(grid.get("rules"), "rules", Checks.MIN_RULES, Checks.MAX_RULES));
        if (grid.containsKey("capacities")) runs = GridLimit.times(runs, yaml.list(grid.get("capacities"), "capacities").size());
        for (String seeds : List.of("data_seeds", "seeds")) {
            if (grid.containsKey(seeds)) runs = GridLimit.times(runs, yaml.count(grid.get(seeds), seeds, 0, Checks.MAX_SEED));
        }
        if (!grid.containsKey("options")) return runs;
        for (Map.Entry<String, Node> e : yaml.mapping(grid.get("options"), "options", OPTION_KEYS).entrySet()) {
            RunOption option = option(e.getKey());
            runs = GridLimit.times(runs, option.type() == RunOption.Type.DOUBLE ? yaml.list(e.getValue(), e.getKey()).size()
                    : yaml.count(e.getValue(), e.getKey(), 0, largest(option)));
        }
        return runs;
    }

    private static RunOption option(String key) {
        return OPTIONS.stream().filter(o -> o.key().equals(key)).findFirst().orElseThrow();
    }

    /** The largest value of an integer option. */
    private static long largest(RunOption option) {
        return option.type() == RunOption.Type.INT ? Integer.MAX_VALUE : Long.MAX_VALUE;
    }

    /** The mapping's precision, or inherited when it sets none. */
    private Precision precision(Map<String, Node> mapping, Precision inherited) {
        Node node = mapping.get("precision");
        if (node == null) return inherited;
        return parse(node, "precision", () -> TrainConfig.precision(yaml.string(node, "precision")));
    }

    private List<TrainConfig> grid(Node node, OptionValues defaults, Precision inherited) {
        Map<String, Node> grid = gridKeys(node);
        Precision precision = precision(grid, inherited);
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
        OptionValues given = recipe(grid, defaults);

        List<TrainConfig> out = new ArrayList<>();
        for (TaskSpec task : tasks) {
            Family family = task.family();
            List<Capacity> capacities = grid.containsKey("capacities") ? capacities(grid.get("capacities"), family)
                    : List.of(Capacity.defaults(family));
            OptionValues recipe = TrainOptions.defaults(task).putAll(given);
            List<RunOption> pair = family.capacity();
            for (OptionValues set : options(grid.get("options"), task, recipe)) {
                for (ModelKind kind : kinds) {
                    for (long r : rules) {
                        for (Capacity capacity : capacities) {
                            OptionValues values = set.copy().put(TrainOptions.RULES, r).put(pair.get(0), capacity.a())
                                    .put(pair.get(1), capacity.b());
                            TrainConfig shape = parse(node, null, () -> TrainConfig.of(task, kind, values))
                                    .withPrecision(precision);
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

    /**
     * Every combination of the grid's options (lists expand, in file order) over base: the family's options that
     * are not a capacity, and the routing ones (the regularisers' weights, top-k routing).
     */
    private List<OptionValues> options(Node node, TaskSpec task, OptionValues base) {
        List<OptionValues> out = List.of(base);
        if (node == null) return out;
        for (Map.Entry<String, Node> e : yaml.mapping(node, "options", OPTION_KEYS).entrySet()) {
            String key = e.getKey();
            RunOption option = option(key);
            if (!task.family().options().contains(option) && !TrainOptions.ROUTING.contains(option)) {
                throw yaml.error(e.getValue(), key, "does not apply to " + task.cliName()
                        + "; give it in a grid of the tasks that have it");
            }
            List<? extends Number> values = switch (option.type()) {
                case INT, LONG -> yaml.integers(e.getValue(), key, 0, largest(option));
                case DOUBLE -> yaml.weights(e.getValue(), key);
            };
            List<OptionValues> expanded = new ArrayList<>();
            for (Number value : values) {
                for (OptionValues o : out) expanded.add(o.copy().put(option, value));
            }
            out = expanded;
        }
        return out;
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
