package modarch.train;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.Map;
import modarch.TestBuffers;
import modarch.backend.Backend;
import modarch.backend.Backends;
import modarch.backend.TestOps;
import modarch.model.ModelKind;
import modarch.model.Registry;
import modarch.model.TaskSpec;
import modarch.model.rnn.RnnOptions;
import modarch.task.Batch;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class RunEvaluatorTest {
    private static final Backend BACKEND = Backends.select("cpu").backend();
    private static final EvalCounts SMALL = new EvalCounts(3, 40, 2, 250);

    @TempDir
    Path tmp;

    private LoadedRun trained(TaskSpec task, ModelKind kind, long iterations) throws IOException {
        TrainConfig config = new TrainConfig(task, kind, 4, 8, 16, 32, 1e-3, iterations, iterations, 3, 1);
        RunDirectory dir = new RunDirectory(tmp.resolve(kind + "-" + task + "-" + iterations));
        try (Trainer trainer = new Trainer(java.util.List.of(config), "cpu", BACKEND, java.util.List.of(dir), false)) {
            trainer.run(false, new Trainer.Listener() { });
        }
        return LoadedRun.load(dir, "last", BACKEND, SMALL.batchSize());
    }

    /** GT-Modular routes by the rule itself, whatever its weights: no collapse, perfect alignment. */
    @Test
    void gtModularIsPerfectlySpecialised() throws IOException {
        Map<String, Object> metrics = new RunEvaluator(BACKEND, trained(Registry.task("mlp-regression"), ModelKind.GT_MODULAR, 2), SMALL).all();
        assertEquals(0.0, (double) metrics.get("collapse_avg"), 0.1, "finite sample of uniform rules");
        assertEquals(0.0, (double) metrics.get("collapse_worst"), 0.2);
        assertEquals(0.0, (double) metrics.get("alignment"), 1e-12);
        assertEquals(0.0, (double) metrics.get("inverse_mutual_information"), 0.02);
        assertEquals(0.0, (double) metrics.get("adaptation"), 0.05);
        double[][] p = (double[][]) metrics.get("activation_matrix");
        for (int r = 0; r < 4; r++) {
            for (int m = 0; m < 4; m++) {
                if (r != m) assertEquals(0.0, p[r][m]);
            }
        }
    }

    @Test
    void routedModelsGetEveryRoutingKeyAndMonolithicNone() throws IOException {
        for (ModelKind kind : ModelKind.values()) {
            Map<String, Object> metrics = new RunEvaluator(BACKEND, trained(Registry.task("mlp-classification"), kind, 1), SMALL).all();
            assertTrue((double) metrics.get("ood_error") >= 0 && (double) metrics.get("error") <= 100, kind + ": " + metrics);
            for (String key : new String[] {"collapse_avg", "collapse_worst", "alignment", "adaptation",
                "mutual_information", "inverse_mutual_information", "activation_matrix"}) {
                assertEquals(kind.routed(), metrics.containsKey(key), kind + " " + key);
            }
            if (kind.routed()) {
                double sum = 0;
                for (double[] row : (double[][]) metrics.get("activation_matrix")) for (double v : row) sum += v;
                assertEquals(1.0, sum, 1e-9);
            }
        }
    }

    /** The scores-only forward pass gives the scores of the full forward pass. */
    @Test
    void forwardScoresMatchesFullForward() throws IOException {
        for (ModelKind kind : new ModelKind[] {ModelKind.MODULAR, ModelKind.MODULAR_OP, ModelKind.GT_MODULAR}) {
            try (LoadedRun run = trained(Registry.task("mlp-regression"), kind, 2);
                 Batch batch = new Batch(BACKEND, 1, 4, 2, 1)) {
                batch.set(new float[] {0.3f, -0.7f, -1.1f, 0.4f, 2.2f, 1.5f, 0.05f, -2f}, new int[] {3, 0, 1, 2}, new float[4]);
                run.model().forward(batch);
                float[] full = Arrays.copyOf(TestBuffers.read(BACKEND, run.model().scores()), 16);
                BACKEND.run(TestOps.fill(16, 0f, run.model().scores(), 0));
                run.model().forwardScores(batch);
                assertEquals(Arrays.toString(full), Arrays.toString(Arrays.copyOf(TestBuffers.read(BACKEND, run.model().scores()), 16)), kind.toString());
                assertFalse(Arrays.equals(full, new float[16]));
            }
        }
    }

    /**
     * An RNN run: losses at every evaluation length (30 through the caches of one training window), in distribution
     * and OoD, and the routing metrics of scores counted per step (GT-Modular: the rules themselves).
     */
    @Test
    void anRnnRunIsMeasuredAtEveryLengthAndPerStep() throws IOException {
        TrainConfig config = new TrainConfig(Registry.task("rnn-regression"), ModelKind.GT_MODULAR, 3,
                new RnnOptions(8, 12, 4, 1, 10), 16, 1e-3, 2, 2, 3, 1);
        RunDirectory dir = new RunDirectory(tmp.resolve("rnn"));
        try (Trainer trainer = new Trainer(java.util.List.of(config), "cpu", BACKEND, java.util.List.of(dir), false)) {
            trainer.run(false, new Trainer.Listener() { });
        }
        EvalCounts counts = new EvalCounts(2, 5, 2, 20);
        try (LoadedRun run = LoadedRun.load(dir, "last", BACKEND, counts.batchSize())) {
            Map<String, Object> metrics = new RunEvaluator(BACKEND, run, counts).all();
            for (int length : new int[] {3, 5, 10, 20, 30}) {
                double id = (double) metrics.get("loss_len_" + length);
                double ood = (double) metrics.get("ood_loss_len_" + length);
                assertTrue(id > 0 && ood > id, "length " + length + ": loss " + id + ", OoD " + ood);
            }
            assertEquals(metrics.get("loss_len_10"), metrics.get("loss"));
            assertEquals(0.0, (double) metrics.get("alignment"), 1e-12);
            double[][] p = (double[][]) metrics.get("activation_matrix");
            for (int r = 0; r < 3; r++) {
                for (int m = 0; m < 3; m++) {
                    if (r != m) assertEquals(0.0, p[r][m]);
                }
            }
        }
    }
}
