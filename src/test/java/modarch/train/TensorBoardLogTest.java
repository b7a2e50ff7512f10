package modarch.train;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;

import java.io.IOException;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import modarch.io.Json;
import modarch.io.tensorboard.EventWriter;
import modarch.metrics.RoutingMetrics;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A small sweep's folder written as the trainer and eval write it (config.json, log.jsonl, metrics.json and the event
 * files), then read by TensorBoard itself (src/test/python/tensorboard_check.py): two replicas of one group, measured,
 * one of them killed after iteration 30 and resumed from its checkpoint at 10; and two replicas of another group, one
 * killed mid-record after a resume, one diverged.
 */
class TensorBoardLogTest {
    private static final String RESUMED = "runs/mha-classification/modular-seed1";
    private static final String KILLED = "runs/mlp-regression/monolithic-killed";
    private static final String DIVERGED = "runs/mlp-regression/monolithic-diverged";

    @TempDir
    static Path logdir;

    @BeforeAll
    static void writeSweep() throws IOException {
        Path fresh = logdir.resolve("runs/mha-classification/modular-seed0");
        List<Map<String, Object>> lines = lines(0, 40, 0, true);
        session(fresh, mha(0), -1, lines, true);
        runFiles(fresh, mha(0), lines);
        measure(fresh);

        Path resumed = logdir.resolve(RESUMED);
        session(resumed, mha(1), -1, lines(0, 30, 0.1, true), false);
        List<Map<String, Object>> after = lines(0, 10, 0.1, true);
        List<Map<String, Object>> rerun = lines(20, 40, 0.5, true);
        session(resumed, mha(1), 10, rerun, true);
        after.addAll(rerun);
        runFiles(resumed, mha(1), after);
        measure(resumed);

        Path killed = logdir.resolve(KILLED);
        List<Map<String, Object>> logged = lines(0, 20, 0, false);
        session(killed, mlp(0), -1, logged, false);
        Path file = eventFiles(killed).get(0);
        long whole = Files.size(file);
        session(killed, mlp(0), 20, lines(30, 30, 0, false), false);
        try (FileChannel channel = FileChannel.open(eventFiles(killed).get(1), StandardOpenOption.WRITE)) {
            channel.truncate(Files.size(eventFiles(killed).get(1)) - 9); // the kill cut the last record
        }
        runFiles(killed, mlp(0), logged);
        assertEquals(whole, Files.size(file));

        Path diverged = logdir.resolve(DIVERGED);
        try (TensorBoardLog log = TensorBoardLog.open(diverged, mlp(1), -1)) {
            log.evaluation(lines(0, 0, 0, false).get(0));
            log.finished(false);
        }
        runFiles(diverged, mlp(1), lines(0, 0, 0, false));
    }

    @Test
    void everyRunReadsInTensorBoardAsItsLogAndMetrics() throws IOException, InterruptedException {
        TensorBoardPython.assumeInstalled();
        String output = TensorBoardPython.check("read", logdir, "--unfinished", KILLED, "--failed", DIVERGED,
                "--resumed", RESUMED);
        System.out.print(output);
    }

    @Test
    void tensorBoardServesEveryRunTagAndHParam() throws IOException, InterruptedException {
        TensorBoardPython.assumeInstalled();
        String output = TensorBoardPython.check("serve", logdir);
        System.out.print(output);
    }

    @Test
    void eachSessionAndMeasurementWritesAFileOfItsOwn() throws IOException {
        assertEquals(2, eventFiles(logdir.resolve("runs/mha-classification/modular-seed0")).size());
        assertEquals(3, eventFiles(logdir.resolve("runs/mha-classification/modular-seed1")).size());
    }

    @Test
    void replicasShareAGroupWhoseHParamsShowUnsetRemediesAsZero() {
        Map<String, Object> seed0 = TensorBoardLog.hparams(mlp(0));
        Map<String, Object> seed1 = new LinkedHashMap<>(seed0);
        seed1.put("seed", 1);
        seed1.put("data_seed", 3);
        Map<String, Object> wider = new LinkedHashMap<>(seed0);
        wider.put("dim", 256);
        assertEquals(0, seed0.get("load_balance"));
        assertEquals(0, seed0.get("router_topk"));
        assertEquals(TensorBoardLog.groupName(seed0), TensorBoardLog.groupName(seed1));
        assertNotEquals(TensorBoardLog.groupName(seed0), TensorBoardLog.groupName(wider));
    }

    /** One process's training of dir: from resumedFrom's checkpoint (-1: fresh), logging lines, maybe to the end. */
    private static void session(Path dir, Map<String, Object> config, long resumedFrom, List<Map<String, Object>> lines,
                                boolean finished) throws IOException {
        try (TensorBoardLog log = TensorBoardLog.open(dir, config, resumedFrom)) {
            for (Map<String, Object> line : lines) log.evaluation(line);
            if (finished) log.finished(true);
        }
    }

    /** log.jsonl lines every 10 iterations from first to last; shift tells sessions apart. */
    private static List<Map<String, Object>> lines(long first, long last, double shift, boolean sequence) {
        List<Map<String, Object>> lines = new ArrayList<>();
        for (long iteration = first; iteration <= last; iteration += 10) {
            double loss = 1.0 / (1 + iteration) + shift;
            double accuracy = sequence ? 50 + iteration / 2.0 + shift : Double.NaN;
            List<EvalRecord.LengthEval> lengths = sequence ? List.of(
                    new EvalRecord.LengthEval(10, loss, 2 * loss, accuracy, accuracy - 10),
                    new EvalRecord.LengthEval(20, 1.5 * loss, 3 * loss, accuracy - 5, accuracy - 20)) : List.of();
            Map<String, Object> line = new EvalRecord(iteration, iteration == 0 ? Double.NaN : 1.1 * loss, loss,
                    2 * loss, accuracy, accuracy - 10, lengths).toMap();
            if (sequence) {
                line.put("load_balance_loss", (float) (1 + loss));
                line.put("router_z_loss", (float) (0.1 * loss));
                line.put("routing_mi", (float) (0.5 - loss / 10));
            }
            lines.add(line);
        }
        return lines;
    }

    private static Map<String, Object> mha(long seed) {
        return config(seed, "task", "mha-classification", "model", "modular", "rules", 2, "dim", 32, "att_dim", 16,
                "search_version", 1, "seq_len", 10, "attention_topk", 0, "load_balance", 0.01, "router_z_loss", 0.0,
                "mi_loss", 0.0);
    }

    private static Map<String, Object> mlp(long seed) {
        return config(seed, "task", "mlp-regression", "model", "monolithic", "rules", 2, "enc_dim", 32, "dim", 128);
    }

    /** config.json: the family's options (key, value, ...), those every family has, and the trainer's keys. */
    private static Map<String, Object> config(long seed, Object... familyOptions) {
        Map<String, Object> config = new LinkedHashMap<>();
        for (int i = 0; i < familyOptions.length; i += 2) config.put((String) familyOptions[i], familyOptions[i + 1]);
        config.put("batch_size", 16);
        config.put("lr", 1e-3);
        config.put("iterations", 40);
        config.put("eval_every", 10);
        config.put("seed", seed);
        config.put("data_seed", 0);
        config.put("device", "cpu");
        config.put("engine_version", "0.2.0");
        config.put("backend", "cpu-vector");
        config.put("parameters", 1234);
        return config;
    }

    private static void runFiles(Path dir, Map<String, Object> config, List<Map<String, Object>> lines)
            throws IOException {
        RunDirectory run = new RunDirectory(dir);
        run.writeJson(RunDirectory.CONFIG, config);
        List<String> log = new ArrayList<>();
        for (Map<String, Object> line : lines) log.add(RunDirectory.jsonLine(line));
        run.writeLog(log);
    }

    /** eval's measurement of the checkpoint at iteration 40: metrics.json and the event files. */
    private static void measure(Path dir) throws IOException {
        Map<String, Object> metrics = new LinkedHashMap<>();
        metrics.put("checkpoint", "last");
        metrics.put("iteration", 40);
        metrics.put("run_iteration", 40);
        metrics.put("snapshot", false);
        metrics.put("rules", 2);
        metrics.put("seed", 0);
        metrics.put("data_seed", 0);
        metrics.put("counts", Map.of("performance_batches", 10));
        metrics.put("loss", 0.25);
        metrics.put("ood_loss", 0.75);
        metrics.put("error", 12.5);
        metrics.put("ood_error", 40.0);
        metrics.put("loss_len_20", 0.5);
        double[][] joint = {{0.4, 0.1}, {0.05, 0.45}};
        metrics.putAll(RunEvaluator.routingJson(RoutingMetrics.of(joint), 0.3, joint));
        metrics.put("seconds", 1.5);
        new RunDirectory(dir).writeJson(RunDirectory.METRICS, metrics);
        TensorBoardLog.writeMetrics(dir, metrics);
    }

    private static List<Path> eventFiles(Path dir) throws IOException {
        try (Stream<Path> files = Files.list(dir)) {
            return files.filter(f -> f.getFileName().toString().startsWith(EventWriter.FILE_PREFIX)).sorted().toList();
        }
    }
}
