package modarch.train;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import modarch.backend.Backend;
import modarch.backend.Backends;
import modarch.io.Safetensors;
import modarch.model.MlpModel;
import modarch.model.ModelKind;
import modarch.task.TaskKind;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class TrainerTest {
    private static final Backend BACKEND = Backends.select("cpu").backend();

    @TempDir
    Path tmp;

    private static TrainConfig small(TaskKind task, ModelKind model, long iterations, long evalEvery) {
        return new TrainConfig(task, model, 3, 8, 16, 32, 1e-3, iterations, evalEvery, 7, 2);
    }

    private static List<JsonNode> log(Path run) throws IOException {
        ObjectMapper json = new ObjectMapper();
        return Files.readAllLines(run.resolve(RunDirectory.LOG)).stream().map(line -> {
            try {
                return json.readTree(line);
            } catch (IOException e) {
                throw new RuntimeException(e);
            }
        }).toList();
    }

    /**
     * GT-Modular on mlp-regression with R=2 and the reference's sizes and learning rate. Measured
     * (cpu-vector, seed 0, `modarch train ... --iterations 600 --eval-every 300`): eval L1 1.731 at
     * iteration 0, 0.0178 at 300, 0.0109 at 600, a ratio of 0.006. The bound, a tenth, is well
     * inside the "below half" and still 16 times above what was measured.
     */
    @Test
    void gtModularLearnsMlpRegression() throws IOException {
        TrainConfig config = new TrainConfig(TaskKind.MLP_REGRESSION, ModelKind.GT_MODULAR, 2, 32, 128, 256, 1e-4,
                600, 300, 0, 0);
        Path run = tmp.resolve("learn");
        new Trainer(config, "cpu", BACKEND, new RunDirectory(run)).run(false, new Trainer.Listener() { });
        List<JsonNode> lines = log(run);
        assertEquals(3, lines.size(), "evaluations at 0, 300, 600");
        double first = lines.get(0).get("eval_loss").asDouble();
        double last = lines.get(2).get("eval_loss").asDouble();
        assertTrue(last < 0.1 * first, "eval loss went from " + first + " to " + last);
    }

    @Test
    void classificationLogsAccuracy() throws IOException {
        Path run = tmp.resolve("cls");
        new Trainer(small(TaskKind.MLP_CLASSIFICATION, ModelKind.MODULAR, 20, 10), "cpu", BACKEND, new RunDirectory(run))
                .run(false, new Trainer.Listener() { });
        JsonNode last = log(run).get(2);
        assertEquals(20, last.get("iteration").asLong());
        double accuracy = last.get("eval_accuracy").asDouble();
        assertTrue(accuracy >= 0 && accuracy <= 100, "accuracy is a percentage: " + accuracy);
        assertTrue(last.has("eval_ood_accuracy"));
    }

    private static final class StopAt extends RuntimeException {
    }

    /** A run killed mid-way and resumed ends with the same bits as one never interrupted. */
    @Test
    void resumeIsBitExact() throws IOException {
        for (ModelKind kind : ModelKind.values()) {
            TrainConfig config = small(TaskKind.MLP_REGRESSION, kind, 40, 10);
            Path whole = tmp.resolve("whole-" + kind);
            new Trainer(config, "cpu", BACKEND, new RunDirectory(whole)).run(false, new Trainer.Listener() { });

            Path broken = tmp.resolve("broken-" + kind);
            Trainer.Listener killer = new Trainer.Listener() {
                @Override
                public void stepped(long iteration) {
                    if (iteration == 27) throw new StopAt();
                }
            };
            assertThrows(StopAt.class, () -> new Trainer(config, "cpu", BACKEND, new RunDirectory(broken)).run(false, killer));
            assertEquals(3, log(broken).size(), "checkpoints at 0, 10, 20 before the kill");
            new Trainer(config, "cpu", BACKEND, new RunDirectory(broken)).run(true, new Trainer.Listener() { });

            for (String file : List.of(RunDirectory.MODEL_LAST, RunDirectory.MODEL_BEST, RunDirectory.TRAINING_STATE,
                    RunDirectory.LOG)) {
                assertArrayEquals(Files.readAllBytes(whole.resolve(file)), Files.readAllBytes(broken.resolve(file)),
                        kind + ": " + file + " differs after resume");
            }
        }
    }

    /** Save, load into a fresh model, identical forward outputs. */
    @Test
    void checkpointRoundTrip() throws IOException {
        TrainConfig config = small(TaskKind.MLP_REGRESSION, ModelKind.MODULAR_OP, 10, 10);
        Path run = tmp.resolve("roundtrip");
        Trainer trainer = new Trainer(config, "cpu", BACKEND, new RunDirectory(run));
        trainer.run(false, new Trainer.Listener() { });

        MlpModel loaded = new MlpModel(BACKEND, ModelKind.MODULAR_OP, 1, 3, 8, 16, 32);
        Path file = run.resolve(RunDirectory.MODEL_LAST);
        ModelWeights.load(loaded.params(), 0, Safetensors.read(file).byName(), file);

        float[] a = {0.5f, -1.25f, 2f};
        float[] b = {1f, 0.25f, -0.75f};
        int[] rules = {0, 2, 1};
        trainer.model().forward(a, b, rules, 3);
        float[] expected = trainer.model().predictions().clone();
        float[] expectedScores = trainer.model().scores().clone();
        loaded.forward(a, b, rules, 3);
        assertArrayEquals(java.util.Arrays.copyOf(expected, 3), java.util.Arrays.copyOf(loaded.predictions(), 3));
        assertArrayEquals(java.util.Arrays.copyOf(expectedScores, 9), java.util.Arrays.copyOf(loaded.scores(), 9));
    }
}
