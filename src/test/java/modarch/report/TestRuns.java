package modarch.report;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import modarch.io.Json;
import modarch.model.ModelKind;
import modarch.model.Registry;
import modarch.model.mha.MhaOptions;
import modarch.nn.RouterRegularization;
import modarch.train.TrainConfig;

/** Hand-made run directories with known numbers: config.json as the trainer writes it, metrics.json, log.jsonl. */
public final class TestRuns {
    private TestRuns() {
    }

    /** An mlp-regression run (enc_dim 32, dim 128 unless given), 600 iterations, evaluated every 300. */
    public static TrainConfig mlp(ModelKind kind, int rules, long dataSeed, long seed) {
        return mlp("mlp-regression", kind, rules, 32, 128, dataSeed, seed);
    }

    public static TrainConfig mlp(String task, ModelKind kind, int rules, int encDim, int dim, long dataSeed, long seed) {
        return new TrainConfig(Registry.task(task), kind, rules, encDim, dim, 256, 1e-4, 600, 300, seed, dataSeed);
    }

    /** config with the routing regularisers' weights (a remedy against collapse). */
    public static TrainConfig regularized(TrainConfig c, double loadBalance, double zLoss, double miLoss) {
        return new TrainConfig(c.task(), c.model(), c.rules(), c.options(), c.batchSize(), c.lr(),
                c.iterations(), c.evalEvery(), c.seed(), c.dataSeed(),
                new RouterRegularization(loadBalance, zLoss, miLoss));
    }

    /** An mha run: dim 32, att_dim 64, search version 1, length 10, dense. */
    public static TrainConfig mha(String task, ModelKind kind, int rules, long seed) {
        return new TrainConfig(Registry.task(task), kind, rules, new MhaOptions(32, 64, 1, 10, 0), 256, 1e-4,
                600, 300, seed, 0);
    }

    /** Writes config.json (the trainer's keys included) into dir; returns dir. */
    public static Path config(Path dir, TrainConfig config) throws IOException {
        Map<String, Object> json = new LinkedHashMap<>(config.toMap());
        json.put("device", "cpu");
        json.put("engine_version", "0.2.0");
        json.put("backend", "cpu-vector");
        json.put("parameters", 1234);
        write(dir.resolve("config.json"), json);
        return dir;
    }

    /**
     * A complete run: config.json; metrics.json at the last iteration with seconds 2.5 and the given metrics (key,
     * value, key, value, ...); log.jsonl with an evaluation at 0, 300 and 600 whose eval_loss is 1, 0.5 and the
     * metrics' loss (or 0.25).
     */
    public static Path complete(Path dir, TrainConfig config, Object... metrics) throws IOException {
        config(dir, config);
        metrics(dir, config.iterations(), metrics);
        Map<String, Object> m = map(metrics);
        double last = m.get("loss") instanceof Number ? ((Number) m.get("loss")).doubleValue() : 0.25;
        log(dir, evaluation(0, 1.0), evaluation(300, 0.5), evaluation(600, last));
        return dir;
    }

    /** Writes metrics.json with iteration, seconds 2.5 and the metrics (key, value, ...). */
    public static void metrics(Path dir, long iteration, Object... metrics) throws IOException {
        Map<String, Object> json = new LinkedHashMap<>();
        json.put("checkpoint", "last");
        json.put("iteration", iteration);
        json.put("run_iteration", iteration);
        json.put("model", "ignored");
        json.put("fast", true);
        json.put("counts", Map.of("batch_size", 1000));
        json.putAll(map(metrics));
        json.put("seconds", 2.5);
        write(dir.resolve("metrics.json"), json);
    }

    /** One log.jsonl line: an evaluation at iteration with eval_loss loss and eval_ood_loss 2 loss. */
    public static String evaluation(long iteration, double loss) throws IOException {
        Map<String, Object> json = new LinkedHashMap<>();
        json.put("iteration", iteration);
        json.put("train_loss", loss);
        json.put("eval_loss", loss);
        json.put("eval_ood_loss", 2 * loss);
        return Json.MAPPER.writeValueAsString(json);
    }

    public static void log(Path dir, String... lines) throws IOException {
        Files.writeString(dir.resolve("log.jsonl"), String.join("\n", lines) + "\n");
    }

    private static Map<String, Object> map(Object... keyValues) {
        Map<String, Object> m = new LinkedHashMap<>();
        for (int i = 0; i < keyValues.length; i += 2) m.put((String) keyValues[i], keyValues[i + 1]);
        return m;
    }

    private static void write(Path file, Map<String, Object> json) throws IOException {
        Files.createDirectories(file.getParent());
        Files.writeString(file, Json.PRETTY.writeValueAsString(json) + "\n");
    }

    /** The records of an RFC 4180 file (quoted fields may hold commas, quotes and line breaks). */
    public static List<List<String>> parseCsv(String text) {
        List<List<String>> records = new ArrayList<>();
        List<String> record = new ArrayList<>();
        StringBuilder field = new StringBuilder();
        boolean quoted = false;
        for (int i = 0; i < text.length(); i++) {
            char c = text.charAt(i);
            if (quoted) {
                if (c == '"' && i + 1 < text.length() && text.charAt(i + 1) == '"') {
                    field.append('"');
                    i++;
                } else if (c == '"') {
                    quoted = false;
                } else {
                    field.append(c);
                }
            } else if (c == '"') {
                quoted = true;
            } else if (c == ',') {
                record.add(field.toString());
                field.setLength(0);
            } else if (c == '\r' && i + 1 < text.length() && text.charAt(i + 1) == '\n') {
                record.add(field.toString());
                field.setLength(0);
                records.add(record);
                record = new ArrayList<>();
                i++;
            } else {
                field.append(c);
            }
        }
        if (field.length() > 0 || !record.isEmpty()) throw new IllegalArgumentException("the last record has no CRLF");
        return records;
    }
}
