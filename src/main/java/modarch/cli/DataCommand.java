package modarch.cli;

import java.util.LinkedHashMap;
import java.util.Map;
import java.util.concurrent.Callable;
import modarch.Checks;
import modarch.UserError;
import modarch.io.Json;
import modarch.model.Registry;
import modarch.model.TaskSpec;
import modarch.task.DataStream;
import modarch.task.Task;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

@Command(name = "data", mixinStandardHelpOptions = true,
        description = "Print a task instance's coefficients, or one batch, as JSON.")
final class DataCommand implements Callable<Integer> {
    private static final int MAX_BATCH = 1_000_000;

    @Option(names = "--task", required = true, description = "mlp-regression | mlp-classification")
    String task;

    @Option(names = "--rules", defaultValue = "2", description = "2..64 (default ${DEFAULT-VALUE})")
    int rules;

    @Option(names = "--data-seed", defaultValue = "0", description = "task instance (default ${DEFAULT-VALUE})")
    long dataSeed;

    @Option(names = "--coefficients", description = "print {\"coeff1\": [...], \"coeff2\": [...]}")
    boolean coefficients;

    @Option(names = "--batch", description = "print one batch of this many examples")
    Integer batch;

    @Option(names = "--seed", description = "with --batch: the run seed (default 0); the batch is the first training batch of a run with --seed S")
    Long seed;

    @Option(names = "--ood", description = "with --batch: scale the inputs by 2 (out of distribution)")
    boolean ood;

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
        Task instance = spec.newTask(rules, dataSeed);
        Map<String, Object> json = new LinkedHashMap<>();
        if (coefficients) {
            json.putAll(instance.coefficients());
        } else {
            if (batch < 1 || batch > MAX_BATCH) {
                throw new UserError("--batch " + batch + " is out of range: allowed are 1.." + MAX_BATCH);
            }
            long runSeed = seed == null ? 0 : seed;
            Checks.seed("--seed", runSeed);
            int n = batch * instance.trainLength();
            float[] raw = new float[n * instance.inputWidth()];
            int[] rule = new int[n];
            float[] label = new float[n * instance.labelWidth()];
            instance.sample(runSeed, DataStream.TRAIN, 0, batch, instance.trainLength(), ood, null, raw, rule, label, 0);
            double[][] inputs = new double[n][];
            int width = instance.inputWidth();
            for (int i = 0; i < n; i++) {
                double[] row = new double[width + rules];
                for (int j = 0; j < width; j++) row[j] = raw[i * width + j];
                row[width + rule[i]] = 1.0;
                inputs[i] = row;
            }
            json.put("inputs", inputs);
            json.put("rules", rule);
            json.put("labels", label);
        }
        System.out.println(Json.MAPPER.writeValueAsString(json));
        return 0;
    }
}
