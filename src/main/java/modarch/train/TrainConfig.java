package modarch.train;

import java.util.LinkedHashMap;
import java.util.Map;
import modarch.model.ModelKind;
import modarch.task.MlpTask;
import modarch.task.TaskKind;

/** Every option of a training run, with the reference's defaults. */
public record TrainConfig(TaskKind task, ModelKind model, int rules, int encDim, int dim, int batchSize,
                          double lr, long iterations, long evalEvery, long seed, long dataSeed) {

    /** Throws IllegalArgumentException with a one-line message naming the bad value and what is allowed. */
    public TrainConfig {
        MlpTask.checkRules(rules);
        MlpTask.checkDataSeed(dataSeed);
        if (dim < rules) {
            throw new IllegalArgumentException("--dim " + dim + " is smaller than --rules " + rules
                    + ": each module gets floor(dim/rules) units, so dim must be >= rules");
        }
        positive("--enc-dim", encDim);
        positive("--batch-size", batchSize);
        positive("--iterations", iterations);
        positive("--eval-every", evalEvery);
        if (!(lr > 0) || Double.isInfinite(lr)) {
            throw new IllegalArgumentException("--lr " + lr + " is not allowed: it must be a positive finite number");
        }
        if (seed < 0) throw new IllegalArgumentException("--seed " + seed + " is not allowed: seeds are >= 0");
    }

    private static void positive(String option, long value) {
        if (value <= 0) throw new IllegalArgumentException(option + " " + value + " is not allowed: it must be > 0");
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

    /** Inverse of {@link #toMap()} for values read back from JSON. */
    public static TrainConfig fromMap(Map<String, Object> map) {
        return new TrainConfig(
                TaskKind.parse((String) map.get("task")),
                ModelKind.parse((String) map.get("model")),
                ((Number) map.get("rules")).intValue(),
                ((Number) map.get("enc_dim")).intValue(),
                ((Number) map.get("dim")).intValue(),
                ((Number) map.get("batch_size")).intValue(),
                ((Number) map.get("lr")).doubleValue(),
                ((Number) map.get("iterations")).longValue(),
                ((Number) map.get("eval_every")).longValue(),
                ((Number) map.get("seed")).longValue(),
                ((Number) map.get("data_seed")).longValue());
    }
}
