package modarch.train;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.stream.Stream;
import modarch.TestBuffers;
import modarch.backend.Backend;
import modarch.backend.Backends;
import modarch.backend.cpu.Parallel;
import modarch.backend.cpu.VectorBackend;
import modarch.io.Json;
import modarch.io.Safetensors;
import modarch.io.tensorboard.EventWriter;
import modarch.model.ModelKind;
import modarch.model.Registry;
import modarch.model.TaskSpec;
import modarch.model.mha.MhaOptions;
import modarch.task.Batch;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class TrainerTest {
    private static final Backend BACKEND = Backends.select("cpu").backend();

    @TempDir
    Path tmp;

    private static final TaskSpec REGRESSION = Registry.task("mlp-regression");
    private static final TaskSpec CLASSIFICATION = Registry.task("mlp-classification");
    private static final Trainer.Listener QUIET = new Trainer.Listener() { };

    private static TrainConfig small(TaskSpec task, ModelKind model, long iterations, long evalEvery) {
        return new TrainConfig(task, model, 3, 8, 16, 32, 1e-3, iterations, evalEvery, 7, 2);
    }

    private static Trainer trainer(TrainConfig config, Path run) {
        return new Trainer(List.of(config), "cpu", BACKEND, List.of(new RunDirectory(run)), false);
    }

    /** A group of replicas of config with these seeds, each in parent/seedS-dataD. */
    private static Trainer group(TrainConfig config, long[] seeds, long[] dataSeeds, Path parent) {
        List<TrainConfig> configs = new ArrayList<>();
        List<RunDirectory> dirs = new ArrayList<>();
        for (int r = 0; r < seeds.length; r++) {
            configs.add(config.withSeeds(seeds[r], dataSeeds[r]));
            dirs.add(new RunDirectory(parent.resolve("seed" + seeds[r] + "-data" + dataSeeds[r])));
        }
        return new Trainer(configs, "cpu", BACKEND, dirs, false);
    }

    private static void run(Trainer trainer, boolean resume, Trainer.Listener listener) throws IOException {
        try (trainer) {
            trainer.run(resume, listener);
        }
    }

    private static void assertSameFiles(Path expected, Path actual, String what) throws IOException {
        for (String file : List.of(RunDirectory.MODEL_LAST, RunDirectory.MODEL_BEST, RunDirectory.TRAINING_STATE,
                RunDirectory.LOG)) {
            assertArrayEquals(Files.readAllBytes(expected.resolve(file)), Files.readAllBytes(actual.resolve(file)),
                    what + ": " + file + " differs");
        }
    }

    private static List<JsonNode> log(Path run) throws IOException {
        ObjectMapper json = Json.MAPPER;
        return Files.readAllLines(run.resolve(RunDirectory.LOG)).stream().map(line -> {
            try {
                return json.readTree(line);
            } catch (IOException e) {
                throw new RuntimeException(e);
            }
        }).toList();
    }

    /** A small MHA run: config.json round-trips, every log line covers every evaluation length, resume is exact. */
    @Test
    void anMhaRunLogsEveryLengthAndResumesExactly() throws IOException {
        TrainConfig config = new TrainConfig(Registry.task("mha-classification"), ModelKind.MODULAR_OP, 2,
                new MhaOptions(8, 8, 2, 4, 2), 4, 1e-3, 6, 3, 5, 1);
        Path whole = tmp.resolve("whole");
        run(trainer(config, whole), false, QUIET);
        assertEquals(config, new RunDirectory(whole).readConfig());
        for (JsonNode line : log(whole)) {
            List<Integer> lengths = new ArrayList<>();
            line.get("eval_by_length").forEach(l -> lengths.add(l.get("length").asInt()));
            assertEquals(List.of(4, 10, 20, 30, 40, 50), lengths, "the training length and the reference's others");
            assertEquals(line.get("eval_loss"), line.get("eval_by_length").get(0).get("eval_loss"));
            assertTrue(line.has("eval_ood_accuracy"));
        }
        Path broken = tmp.resolve("broken");
        assertThrows(StopAt.class, () -> run(trainer(config, broken), false, killAt(5)));
        run(trainer(config, broken), true, QUIET);
        assertSameFiles(whole, broken, "after resume");
    }

    /**
     * GT-Modular on mlp-regression with R=2 and the reference's sizes and learning rate. Measured
     * (cpu-vector, seed 0, `modarch train ... --iterations 600 --eval-every 300`): eval L1 1.731 at
     * iteration 0, 0.0178 at 300, 0.0109 at 600, a ratio of 0.006. The bound, a tenth, is well
     * inside the "below half" and still 16 times above what was measured.
     */
    @Test
    void gtModularLearnsMlpRegression() throws IOException {
        TrainConfig config = new TrainConfig(REGRESSION, ModelKind.GT_MODULAR, 2, 32, 128, 256, 1e-4,
                600, 300, 0, 0);
        Path run = tmp.resolve("learn");
        run(trainer(config, run), false, QUIET);
        List<JsonNode> lines = log(run);
        assertEquals(3, lines.size(), "evaluations at 0, 300, 600");
        double first = lines.get(0).get("eval_loss").asDouble();
        double last = lines.get(2).get("eval_loss").asDouble();
        assertTrue(last < 0.1 * first, "eval loss went from " + first + " to " + last);
    }

    @Test
    void classificationLogsAccuracy() throws IOException {
        Path run = tmp.resolve("cls");
        run(trainer(small(CLASSIFICATION, ModelKind.MODULAR, 20, 10), run), false, QUIET);
        JsonNode last = log(run).get(2);
        assertEquals(20, last.get("iteration").asLong());
        double accuracy = last.get("eval_accuracy").asDouble();
        assertTrue(accuracy >= 0 && accuracy <= 100, "accuracy is a percentage: " + accuracy);
        assertTrue(last.has("eval_ood_accuracy"));
    }

    private static final class StopAt extends RuntimeException {
    }

    /** Throws at a given iteration, like a kill between two steps. */
    private static Trainer.Listener killAt(long at) {
        return new Trainer.Listener() {
            @Override
            public void stepped(long iteration) {
                if (iteration == at) throw new StopAt();
            }
        };
    }

    /** A run killed mid-way and resumed ends with the same bits as one never interrupted. */
    @Test
    void resumeIsBitExact() throws IOException {
        for (ModelKind kind : ModelKind.values()) {
            TrainConfig config = small(REGRESSION, kind, 40, 10);
            Path whole = tmp.resolve("whole-" + kind);
            run(trainer(config, whole), false, QUIET);

            Path broken = tmp.resolve("broken-" + kind);
            assertThrows(StopAt.class, () -> run(trainer(config, broken), false, killAt(27)));
            assertEquals(3, log(broken).size(), "checkpoints at 0, 10, 20 before the kill");
            run(trainer(config, broken), true, QUIET);
            assertSameFiles(whole, broken, kind + " after resume");
        }
    }

    /** The reshape's promise: replica 3 of 5 trained side by side is bit-for-bit the single run with its seeds. */
    @Test
    void aReplicaIsBitIdenticalToTheSingleRun() throws IOException {
        for (ModelKind kind : List.of(ModelKind.MODULAR, ModelKind.MONOLITHIC)) {
            TrainConfig config = new TrainConfig(REGRESSION, kind, 4, 16, 64, 64, 1e-3, 100, 50, 0, 0);
            long[] seeds = {0, 1, 2, 3, 4};
            long[] dataSeeds = {0, 0, 1, 1, 2};
            Path parent = tmp.resolve("group-" + kind);
            run(group(config, seeds, dataSeeds, parent), false, QUIET);
            Path single = tmp.resolve("single-" + kind);
            run(trainer(config.withSeeds(3, 1), single), false, QUIET);
            assertSameFiles(single, parent.resolve("seed3-data1"), kind + " replica 3 of 5 against the single run");
        }
    }

    /** Shards of a group (one single-threaded backend each, side by side) still give every replica its single run. */
    @Test
    void replicaShardsAreBitIdenticalToSingleRuns() throws IOException {
        TrainConfig config = small(REGRESSION, ModelKind.MODULAR, 30, 10);
        long[] seeds = {1, 2, 3};
        List<TrainConfig> configs = new ArrayList<>();
        List<RunDirectory> dirs = new ArrayList<>();
        for (long seed : seeds) {
            configs.add(config.withSeeds(seed, seed));
            dirs.add(new RunDirectory(tmp.resolve("shards").resolve("seed" + seed)));
        }
        try (Parallel two = new Parallel(2);
             ReplicaShards shards = new ReplicaShards(configs, "cpu", new VectorBackend(two), dirs, false)) {
            assertEquals(2, new VectorBackend(two).replicaShards(3).size());
            shards.run(false, QUIET);
            assertEquals(3, shards.lastRecords().size());
        }
        for (int r = 0; r < seeds.length; r++) {
            Path single = tmp.resolve("alone" + r);
            run(trainer(configs.get(r), single), false, QUIET);
            assertSameFiles(single, dirs.get(r).root(), "replica " + r + " of the shards");
        }
    }

    /** A group killed mid-way, and one whose checkpoint was cut half-way through its replicas, resume exactly. */
    @Test
    void replicaGroupsResumeBitExact() throws IOException {
        TrainConfig config = small(REGRESSION, ModelKind.MODULAR_OP, 40, 10);
        long[] seeds = {5, 6, 7};
        long[] dataSeeds = {0, 1, 2};
        Path whole = tmp.resolve("whole");
        run(group(config, seeds, dataSeeds, whole), false, QUIET);

        Path killed = tmp.resolve("killed");
        assertThrows(StopAt.class, () -> run(group(config, seeds, dataSeeds, killed), false, killAt(27)));
        Path at30 = tmp.resolve("at30");
        assertThrows(StopAt.class, () -> run(group(config, seeds, dataSeeds, at30), false, killAt(31)));
        // replica 0 finished its checkpoint at 30, the others still at 20: a kill inside the group checkpoint
        String first = "seed5-data0";
        for (String file : List.of(RunDirectory.MODEL_LAST, RunDirectory.MODEL_BEST, RunDirectory.TRAINING_STATE,
                TrainingState.PREVIOUS, RunDirectory.LOG)) {
            Files.copy(at30.resolve(first).resolve(file), killed.resolve(first).resolve(file),
                    java.nio.file.StandardCopyOption.REPLACE_EXISTING);
        }
        run(group(config, seeds, dataSeeds, killed), true, QUIET);
        for (int r = 0; r < seeds.length; r++) {
            String name = "seed" + seeds[r] + "-data" + dataSeeds[r];
            assertSameFiles(whole.resolve(name), killed.resolve(name), name + " after resume");
        }
    }

    /**
     * A kill right after a run's last commit point (its last checkpoint, or the log line saying it diverged) leaves a
     * run that nothing trains again: its event file has already ended the TensorBoard session.
     */
    @Test
    void aRunKilledPastItsLastCommitPointHasEndedItsSession() throws IOException {
        TrainConfig finishing = small(REGRESSION, ModelKind.MODULAR, 20, 10);
        Path trained = tmp.resolve("trained");
        assertThrows(StopAt.class, () -> run(new Trainer(List.of(finishing), "cpu", BACKEND,
                List.of(new RunDirectory(trained)), true), false, new Trainer.Listener() {
                    @Override
                    public void evaluated(EvalRecord record) {
                        if (record.iteration() == 20) throw new StopAt();
                    }
                }));
        assertEquals(1, sessionEnds(trained), "the trained run's session ended");

        TrainConfig diverging = new TrainConfig(REGRESSION, ModelKind.MODULAR, 3, 8, 16, 32, 1e6, 1000, 500, 7, 2);
        Path diverged = tmp.resolve("diverged");
        assertThrows(StopAt.class, () -> run(new Trainer(List.of(diverging), "cpu", BACKEND,
                List.of(new RunDirectory(diverged)), true), false, new Trainer.Listener() {
                    @Override
                    public void diverged(Trainer.Divergence divergence) {
                        throw new StopAt();
                    }
                }));
        assertEquals("diverged", log(diverged).get(1).get("event").asText());
        assertEquals(1, sessionEnds(diverged), "the diverged run's session ended");
    }

    /** How many HParams session ends runDir's event files hold. */
    private static int sessionEnds(Path runDir) throws IOException {
        byte[] tag = "_hparams_/session_end_info".getBytes(StandardCharsets.US_ASCII);
        int count = 0;
        try (Stream<Path> files = Files.list(runDir)) {
            for (Path file : (Iterable<Path>) files.filter(f -> f.getFileName().toString()
                    .startsWith(EventWriter.FILE_PREFIX))::iterator) {
                byte[] bytes = Files.readAllBytes(file);
                for (int i = 0; i + tag.length <= bytes.length; i++) {
                    if (Arrays.equals(bytes, i, i + tag.length, tag, 0, tag.length)) count++;
                }
            }
        }
        return count;
    }

    /** A huge learning rate gives NaN: the run stops, says so in its log, and keeps its last good checkpoint. */
    @Test
    void divergenceStopsTheRunAndKeepsTheLastGoodCheckpoint() throws IOException {
        for (TaskSpec task : List.of(REGRESSION, CLASSIFICATION)) {
            TrainConfig config = new TrainConfig(task, ModelKind.MODULAR, 3, 8, 16, 32, 1e6, 1000, 500, 7, 2);
            Path run = tmp.resolve("diverged-" + task);
            List<Trainer.Divergence> heard = new ArrayList<>();
            try (Trainer trainer = trainer(config, run)) {
                trainer.run(false, new Trainer.Listener() {
                    @Override
                    public void diverged(Trainer.Divergence divergence) {
                        heard.add(divergence);
                    }
                });
                assertEquals(heard, trainer.divergences());
            }
            assertEquals(1, heard.size(), task + ": one divergence");
            long at = heard.get(0).iteration();
            assertTrue(at % Trainer.DIVERGENCE_CHECK_EVERY == 0 && at <= 500, "found at a check before the next evaluation: " + at);
            assertEquals(0, heard.get(0).lastGood());
            List<JsonNode> lines = log(run);
            assertEquals(2, lines.size());
            assertEquals("diverged", lines.get(1).get("event").asText());
            for (String file : List.of(RunDirectory.MODEL_LAST, RunDirectory.MODEL_BEST, RunDirectory.TRAINING_STATE)) {
                assertEquals("0", Safetensors.read(run.resolve(file)).metadata().get("iteration"), file + " is the last good one");
            }
            LoadedRun.load(new RunDirectory(run), "last", BACKEND, 4).close(); // finite weights: eval can use it
        }
    }

    /** Save, load into a fresh model, identical forward outputs. */
    @Test
    void checkpointRoundTrip() throws IOException {
        TrainConfig config = small(REGRESSION, ModelKind.MODULAR_OP, 10, 10);
        Path run = tmp.resolve("roundtrip");
        try (Trainer trainer = trainer(config, run);
             Batch batch = new Batch(BACKEND, 1, 3, 2, 1)) {
            trainer.run(false, QUIET);
            batch.set(new float[] {0.5f, 1f, -1.25f, 0.25f, 2f, -0.75f}, new int[] {0, 2, 1}, new float[3]);
            trainer.model().forward(batch);
            float[] expected = java.util.Arrays.copyOf(TestBuffers.read(BACKEND, trainer.model().predictions()), 3);
            float[] expectedScores = java.util.Arrays.copyOf(TestBuffers.read(BACKEND, trainer.model().scores()), 9);
            try (LoadedRun loaded = LoadedRun.load(new RunDirectory(run), "last", BACKEND, 3)) {
                loaded.model().forward(batch);
                assertArrayEquals(expected, java.util.Arrays.copyOf(TestBuffers.read(BACKEND, loaded.model().predictions()), 3));
                assertArrayEquals(expectedScores, java.util.Arrays.copyOf(TestBuffers.read(BACKEND, loaded.model().scores()), 9));
            }
        }
    }
}
