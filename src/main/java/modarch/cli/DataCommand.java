package modarch.cli;

import com.fasterxml.jackson.databind.ObjectMapper;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.concurrent.Callable;
import modarch.task.FastRandom;
import modarch.task.MlpTask;
import modarch.task.TaskKind;
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

    @Option(names = "--seed", defaultValue = "0", description = "data stream seed for --batch (default ${DEFAULT-VALUE}); a run with --seed S trains on this stream")
    long seed;

    @Option(names = "--ood", description = "with --batch: scale the inputs by 2 (out of distribution)")
    boolean ood;

    @Override
    public Integer call() throws Exception {
        TaskKind kind = TaskKind.parse(task);
        if (coefficients == (batch != null)) {
            throw new UserError("give exactly one of --coefficients or --batch N");
        }
        if (coefficients && ood) {
            throw new UserError("--ood applies to batches (--batch N), not to --coefficients: the coefficients are the same in and out of distribution");
        }
        MlpTask instance = new MlpTask(rules, dataSeed, kind.classification());
        Map<String, Object> json = new LinkedHashMap<>();
        if (coefficients) {
            json.put("coeff1", instance.coeff1());
            json.put("coeff2", instance.coeff2());
        } else {
            if (batch < 1 || batch > MAX_BATCH) {
                throw new UserError("--batch " + batch + " is out of range: allowed are 1.." + MAX_BATCH);
            }
            int n = batch;
            float[] a = new float[n];
            float[] b = new float[n];
            int[] rule = new int[n];
            float[] label = new float[n];
            instance.sample(new FastRandom(seed, modarch.train.Trainer.TRAIN_STREAM), ood, null, a, b, rule, label, 0, n);
            double[][] inputs = new double[n][];
            for (int i = 0; i < n; i++) {
                double[] row = new double[2 + rules];
                row[0] = a[i];
                row[1] = b[i];
                row[2 + rule[i]] = 1.0;
                inputs[i] = row;
            }
            json.put("inputs", inputs);
            json.put("rules", rule);
            json.put("labels", label);
        }
        System.out.println(new ObjectMapper().writeValueAsString(json));
        return 0;
    }
}
