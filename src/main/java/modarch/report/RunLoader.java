package modarch.report;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import java.io.IOException;
import java.nio.charset.CharacterCodingException;
import java.nio.file.FileVisitResult;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.SimpleFileVisitor;
import java.nio.file.attribute.BasicFileAttributes;
import java.util.ArrayList;
import java.util.Collections;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import modarch.UserError;
import modarch.io.CorruptFileException;
import modarch.io.Json;
import modarch.io.StrictJson;
import modarch.train.RunId;
import modarch.train.EvalRecord;
import modarch.train.RunDirectory;
import modarch.train.TrainConfig;
import modarch.train.Trainer;

/**
 * Finds every run under a results directory (any directory holding config.json, at any depth, symbolic links not
 * followed) and reads it into a {@link RunRow}: config.json strictly, metrics.json, log.jsonl and the sweep runner's
 * optional sweep.json. A run with a corrupt file is skipped with a one-line warning naming the file; a file that cannot
 * be read at all (permissions) is an IOException.
 */
final class RunLoader {
    static final String SWEEP = "sweep.json";
    /** The keys of metrics.json that describe the evaluation rather than measure the model. */
    private static final Set<String> BOOKKEEPING = Set.of("iteration", "run_iteration", "rules", "seed", "data_seed",
            "seconds");
    private static final Comparator<RunRow> ORDER = Comparator.comparing(RunRow::variant)
            .thenComparing(RunRow::remedy)
            .thenComparingInt(r -> Kinds.DISPLAY.indexOf(r.kind()))
            .thenComparingInt(RunRow::rules)
            .thenComparing(RunRow::capacity)
            .thenComparingLong(r -> r.config().dataSeed())
            .thenComparingLong(r -> r.config().seed())
            .thenComparing(RunRow::path);

    /**
     * The runs read, in report order (variant, remedy, kind, rules, capacity, data seed, seed); a warning per run
     * skipped.
     */
    record Scan(List<RunRow> rows, List<String> skipped) {
    }

    private RunLoader() {
    }

    static Scan scan(Path resultsDir) throws IOException {
        List<RunRow> rows = new ArrayList<>();
        List<String> skipped = new ArrayList<>();
        for (Path dir : runDirectories(resultsDir)) {
            try {
                rows.add(read(resultsDir, dir));
            } catch (CorruptFileException | UserError corrupt) {
                skipped.add("skipped a run: " + corrupt.getMessage()); // the message names the file
            }
        }
        rows.sort(ORDER);
        return new Scan(List.copyOf(rows), List.copyOf(skipped));
    }

    /** Every directory under root (root included) that holds a config.json, in path order. */
    private static List<Path> runDirectories(Path root) throws IOException {
        List<Path> dirs = new ArrayList<>();
        Files.walkFileTree(root, new SimpleFileVisitor<>() {
            @Override
            public FileVisitResult preVisitDirectory(Path dir, BasicFileAttributes attrs) {
                if (Files.isRegularFile(dir.resolve(RunDirectory.CONFIG))) dirs.add(dir);
                return FileVisitResult.CONTINUE;
            }

            @Override
            public FileVisitResult visitFileFailed(Path file, IOException e) throws IOException {
                throw e;
            }
        });
        Collections.sort(dirs);
        return dirs;
    }

    private static RunRow read(Path root, Path dir) throws IOException {
        Path configFile = dir.resolve(RunDirectory.CONFIG);
        Map<String, Object> configJson = StrictJson.readObject(configFile);
        TrainConfig config = TrainConfig.fromMap(configJson, Trainer.CONFIG_EXTRA_KEYS, configFile);
        Object backend = configJson.get("backend");
        Object parameters = configJson.get("parameters");
        Measured measured = readMetrics(dir.resolve(RunDirectory.METRICS), config.rules());

        String runId = RunId.of(config);
        double trainSeconds = Double.NaN;
        Path sweepFile = dir.resolve(SWEEP);
        if (Files.exists(sweepFile)) {
            Map<String, Object> sweep = StrictJson.readObject(sweepFile);
            if (sweep.get("run_id") instanceof String) runId = (String) sweep.get("run_id");
            if (sweep.get("train_seconds") instanceof Number) {
                trainSeconds = StrictJson.requireDouble(sweep, "train_seconds", sweepFile);
            }
        }

        List<EvalRecord> curve = new ArrayList<>();
        String divergence = readLog(dir.resolve(RunDirectory.LOG), curve);
        RunStatus status = divergence != null ? RunStatus.DIVERGED
                : measured.iteration == config.iterations() ? RunStatus.COMPLETE : RunStatus.INCOMPLETE;
        String note = status == RunStatus.COMPLETE ? "" : divergence != null ? divergence
                : measured.iteration < 0 ? "no metrics.json"
                : "metrics.json at iteration " + measured.iteration + " of " + config.iterations();
        String path = root.relativize(dir).toString().replace(dir.getFileSystem().getSeparator(), "/");
        return new RunRow(path.isEmpty() ? "." : path, config, backend instanceof String ? (String) backend : "",
                parameters instanceof Number ? ((Number) parameters).longValue() : -1, trainSeconds, measured.seconds,
                runId, status, note, Collections.unmodifiableMap(measured.metrics), measured.activation,
                List.copyOf(curve));
    }

    /**
     * What metrics.json holds: the iteration it measured (-1 without the file), its seconds (NaN without), every
     * measurement that is a number, and the activation matrix (R, R) (null without).
     */
    private record Measured(long iteration, double seconds, Map<String, Double> metrics, double[][] activation) {
    }

    private static Measured readMetrics(Path file, int rules) throws IOException {
        if (!Files.exists(file)) return new Measured(-1, Double.NaN, Map.of(), null);
        Map<String, Object> json = StrictJson.readObject(file);
        Map<String, Double> metrics = new LinkedHashMap<>();
        for (Map.Entry<String, Object> e : json.entrySet()) {
            if (e.getValue() instanceof Number && !BOOKKEEPING.contains(e.getKey())) {
                metrics.put(e.getKey(), StrictJson.requireDouble(json, e.getKey(), file));
            }
        }
        Object matrix = json.get("activation_matrix");
        return new Measured(StrictJson.requireLong(json, "iteration", file),
                json.get("seconds") instanceof Number ? StrictJson.requireDouble(json, "seconds", file) : Double.NaN,
                metrics, matrix == null ? null : matrix(matrix, rules, file));
    }

    /** Adds log's evaluations to curve; returns "REASON at iteration N" when it records a divergence, else null. */
    private static String readLog(Path log, List<EvalRecord> curve) throws IOException {
        if (!Files.exists(log)) return null;
        String divergence = null;
        List<String> lines;
        try {
            lines = Files.readAllLines(log);
        } catch (CharacterCodingException e) {
            throw new CorruptFileException(log, "not UTF-8 text");
        }
        for (int i = 0; i < lines.size(); i++) {
            String line = lines.get(i);
            if (line.isBlank()) continue;
            try {
                JsonNode node = Json.MAPPER.readTree(line);
                if (!node.isObject()) throw new CorruptFileException(log, "line " + (i + 1) + " is not a JSON object");
                if (!node.has("event")) {
                    curve.add(EvalRecord.fromJson(line));
                } else if (node.get("event").asText().equals("diverged")) {
                    divergence = node.path("reason").asText("no reason given") + " at iteration "
                            + node.path("iteration").asLong();
                }
            } catch (JsonProcessingException e) {
                throw new CorruptFileException(log, "line " + (i + 1) + " is not valid JSON: "
                        + e.getOriginalMessage().lines().findFirst().orElse(""));
            }
        }
        return divergence;
    }

    /** A JSON (R, R) array of numbers as a matrix. */
    private static double[][] matrix(Object json, int rules, Path file) throws IOException {
        String expected = "\"activation_matrix\" must be a " + rules + " x " + rules + " array of numbers";
        if (!(json instanceof List) || ((List<?>) json).size() != rules) throw new CorruptFileException(file, expected);
        double[][] out = new double[rules][];
        for (int r = 0; r < rules; r++) {
            Object row = ((List<?>) json).get(r);
            if (!(row instanceof List) || ((List<?>) row).size() != rules) {
                throw new CorruptFileException(file, expected);
            }
            out[r] = new double[rules];
            for (int m = 0; m < rules; m++) {
                Object v = ((List<?>) row).get(m);
                if (!(v instanceof Number)) throw new CorruptFileException(file, expected);
                out[r][m] = Double.parseDouble(v.toString());
            }
        }
        return out;
    }
}
