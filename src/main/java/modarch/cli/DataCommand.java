package modarch.cli;

import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import java.util.function.IntFunction;
import java.util.stream.Collectors;
import modarch.Checks;
import modarch.UserError;
import modarch.io.Json;
import modarch.model.Family;
import modarch.model.FamilyOptions;
import modarch.model.OptionValues;
import modarch.model.Registry;
import modarch.model.RunOption;
import modarch.model.SharedOptions;
import modarch.model.TaskSpec;
import modarch.model.mha.MhaFamily;
import modarch.model.rnn.RnnFamily;
import modarch.task.DataStream;
import modarch.task.Task;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine;

@Command(name = "data", mixinStandardHelpOptions = true, modelTransformer = DataCommand.Recurrence.class,
        description = "Print a task instance's coefficients, or one batch, as JSON.")
final class DataCommand implements Callable<Integer> {
    private static final int MAX_BATCH = 1_000_000;

    @Option(names = "--task", required = true,
            description = "mlp-regression | mlp-classification | mha-regression | mha-classification | rnn-regression"
                    + " | rnn-classification")
    String task;

    @Option(names = "--rules", defaultValue = "2", description = "2..64 (default ${DEFAULT-VALUE})")
    int rules;

    @Option(names = "--data-seed", defaultValue = "0", description = "task instance (default ${DEFAULT-VALUE})")
    long dataSeed;

    @Option(names = "--coefficients", description = "print the coefficients: {\"coeff1\": [...], \"coeff2\": [...]} (mlp, mha);"
            + " {\"transition\": A (R, order, d, d), \"input\": B (R, d, d)[, \"decoder\": w (d)]} flattened (rnn)")
    boolean coefficients;

    @Option(names = "--batch", description = "print one batch of this many examples")
    Integer batch;

    @Option(names = "--seed", description = "with --batch: the run seed (default 0); the batch is the first training batch of a run with --seed S")
    Long seed;

    @Option(names = "--ood", description = "with --batch: scale the inputs by 2 (out of distribution)")
    boolean ood;

    @Option(names = "--search-version", description = "mha tasks: 1 or 2 (default 1)")
    Integer searchVersion;

    @Option(names = "--seq-len", description = "mha and rnn tasks, with --batch: tokens (steps) per sequence (default 10)")
    Integer seqLen;

    @CommandLine.Spec
    CommandLine.Model.CommandSpec command;

    /** The RNN tasks' --d-dim and --order, as `train` declares them. */
    static final class Recurrence implements CommandLine.IModelTransformer {
        @Override
        public CommandLine.Model.CommandSpec transform(CommandLine.Model.CommandSpec command) {
            return DeclaredOptions.add(command, List.of(RnnFamily.D_DIM, RnnFamily.ORDER));
        }
    }

    @Override
    public Integer call() throws Exception {
        TaskSpec spec = Registry.task(task);
        if (coefficients == (batch != null)) {
            throw new UserError("give exactly one of --coefficients or --batch N");
        }
        if (coefficients && seed != null) {
            throw new UserError("--seed " + seed + " applies to batches (--batch N), not to --coefficients: the coefficients depend on --data-seed only");
        }
        if (coefficients && ood) {
            throw new UserError("--ood applies to batches (--batch N), not to --coefficients: the coefficients are the same in and out of distribution");
        }
        Task instance = spec.newTask(rules, dataSeed, options(spec));
        Map<String, Object> json = new LinkedHashMap<>();
        if (coefficients) {
            json.putAll(instance.coefficients());
        } else {
            if (batch < 1 || batch > MAX_BATCH) {
                throw new UserError("--batch " + batch + " is out of range: allowed are 1.." + MAX_BATCH);
            }
            long runSeed = seed == null ? 0 : seed;
            Checks.seed("--seed", runSeed);
            int length = instance.trainLength();
            if ((long) batch * length > MAX_BATCH) {
                throw new UserError("--batch " + batch + " of length " + length + " is " + (long) batch * length
                        + " rows: allowed are up to " + MAX_BATCH);
            }
            int n = batch * length;
            float[] raw = new float[n * instance.inputWidth()];
            int[] rule = new int[n];
            int labelWidth = instance.labelWidth();
            float[] flatLabels = new float[n * labelWidth];
            instance.sample(runSeed, DataStream.TRAIN, 0, batch, length, ood, null, raw, rule, flatLabels, 0);
            Object[] label = new Object[n]; // a number per row, or (labelWidth) numbers
            for (int i = 0; i < n; i++) {
                label[i] = labelWidth == 1 ? (Object) flatLabels[i]
                        : Arrays.copyOfRange(flatLabels, i * labelWidth, (i + 1) * labelWidth);
            }
            double[][] inputs = new double[n][];
            int width = instance.inputWidth();
            for (int i = 0; i < n; i++) {
                double[] row = new double[width + rules];
                for (int j = 0; j < width; j++) row[j] = raw[i * width + j];
                row[width + rule[i]] = 1.0;
                inputs[i] = row;
            }
            if (length == 1) {
                json.put("inputs", inputs);
                json.put("rules", rule);
                json.put("labels", label);
            } else {
                // per sequence, per token
                json.put("inputs", bySequence(batch, e -> Arrays.copyOfRange(inputs, e * length, (e + 1) * length)));
                json.put("rules", bySequence(batch, e -> Arrays.copyOfRange(rule, e * length, (e + 1) * length)));
                json.put("labels", bySequence(batch, e -> Arrays.copyOfRange(label, e * length, (e + 1) * length)));
            }
        }
        System.out.println(Json.MAPPER.writeValueAsString(json));
        return 0;
    }

    /**
     * The family's options: --search-version and --seq-len for the mha tasks, --d-dim, --order and --seq-len for the
     * rnn tasks (the families that have them), refused for the others; the family's defaults for the rest.
     */
    private FamilyOptions options(TaskSpec spec) {
        Family family = spec.family();
        if (searchVersion != null && !family.options().contains(MhaFamily.SEARCH_VERSION)) {
            throw new UserError("--search-version applies to the " + having(MhaFamily.SEARCH_VERSION) + " tasks, not to "
                    + spec.cliName());
        }
        Number dDim = DeclaredOptions.given(command, RnnFamily.D_DIM);
        Number order = DeclaredOptions.given(command, RnnFamily.ORDER);
        if ((dDim != null || order != null) && !family.options().contains(RnnFamily.D_DIM)) {
            throw new UserError("--d-dim and --order apply to the " + having(RnnFamily.D_DIM) + " tasks, not to "
                    + spec.cliName());
        }
        if (seqLen != null && !family.options().contains(SharedOptions.SEQ_LEN)) {
            throw new UserError("--seq-len applies to the " + having(SharedOptions.SEQ_LEN) + " tasks, not to "
                    + spec.cliName());
        }
        if (coefficients && seqLen != null) {
            throw new UserError("--seq-len " + seqLen + " applies to batches (--batch N), not to --coefficients");
        }
        OptionValues values = new OptionValues().putAll(family.options(), family.defaults().values());
        if (searchVersion != null) values.put(MhaFamily.SEARCH_VERSION, searchVersion);
        if (seqLen != null) values.put(SharedOptions.SEQ_LEN, seqLen);
        if (dDim != null) values.put(RnnFamily.D_DIM, dDim);
        if (order != null) values.put(RnnFamily.ORDER, order);
        FamilyOptions options = family.options(values);
        options.checkTask(MAX_SEQ_LEN);
        return options;
    }

    /** "mha and rnn": the families that have the option. */
    private static String having(RunOption option) {
        return Registry.families().stream().filter(f -> f.options().contains(option)).map(Family::name)
                .collect(Collectors.joining(" and "));
    }

    private static final int MAX_SEQ_LEN = 1000;

    /** One entry per sequence, made by sequence(e). */
    private static Object[] bySequence(int sequences, IntFunction<Object> sequence) {
        Object[] out = new Object[sequences];
        for (int e = 0; e < sequences; e++) out[e] = sequence.apply(e);
        return out;
    }
}
