package modarch.model;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;
import modarch.TestBuffers;
import modarch.backend.Backend;
import modarch.backend.cpu.ScalarBackend;
import modarch.backend.cpu.VectorBackend;
import modarch.nn.GradCheck;
import modarch.nn.Param;
import modarch.task.Batch;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/**
 * Top-k routing in the MLP and MHA models: the sparse dispatch of all R modules is the dense routing (to float
 * rounding: the module outputs are summed per row instead of in one product), k below R changes the predictions,
 * gates sum to 1 over exactly k modules, and a module no row chose gets no gradient.
 */
class TopKRoutingTest {
    private static final int REP = 2;
    private static final int ROWS = 12;
    private static final int R = 4;
    private static final int FEATURES = 3;
    private static final int LENGTH = 4; // MHA: 3 sequences of 4 tokens per replica

    private final List<AutoCloseable> open = new ArrayList<>();

    @AfterEach
    void close() throws Exception {
        for (AutoCloseable c : open) c.close();
    }

    private Model mlp(Backend backend, ModelKind kind, int k) {
        Model model = new MlpModel(backend, REP, new ModelSpec(kind, R, 7, 23).withRouterTopK(k), ROWS);
        open.add(model);
        for (int r = 0; r < REP; r++) model.init(r, 100 + r);
        return model;
    }

    private Model mha(Backend backend, ModelKind kind, int k) {
        Model model = new MhaModel(backend, REP,
                new ModelSpec(kind, R, 0, 10, 16, 0, FEATURES, LENGTH).withRouterTopK(k), ROWS);
        open.add(model);
        for (int r = 0; r < REP; r++) model.init(r, 100 + r);
        return model;
    }

    private Batch mlpBatch(Backend backend, long seed) {
        SplittableRandom rng = new SplittableRandom(seed);
        int[] rules = new int[REP * ROWS];
        for (int i = 0; i < rules.length; i++) rules[i] = rng.nextInt(R);
        Batch batch = TestBatches.of(backend, REP, ROWS, ROWS, GradCheck.uniform(rng, REP * ROWS, 2),
                GradCheck.uniform(rng, REP * ROWS, 2), rules, null);
        open.add(batch);
        return batch;
    }

    private Batch mhaBatch(Backend backend, long seed) {
        SplittableRandom rng = new SplittableRandom(seed);
        int[] rules = new int[REP * ROWS];
        for (int i = 0; i < rules.length; i++) rules[i] = rng.nextInt(R);
        Batch batch = new Batch(backend, REP, ROWS, FEATURES, 1);
        batch.set(GradCheck.uniform(rng, REP * ROWS * FEATURES, 1.5), rules, new float[REP * ROWS], LENGTH);
        open.add(batch);
        return batch;
    }

    /** Predictions, gates and every gradient of one forward and backward with dy uniform in +-1. */
    private record Step(float[] predictions, float[] gates, float[] gradients) {
        static Step of(Model model, Batch batch, Backend backend) {
            model.arena().zeroGrad();
            model.forward(batch);
            float[] c = GradCheck.uniform(new SplittableRandom(5), REP * ROWS, 1);
            float[] predictions = GradCheck.read(backend, model.predictions(), REP * ROWS);
            float[] gates = GradCheck.read(backend, model.scores(), REP * ROWS * R);
            backend.upload(c, 0, model.gradPredictions(), 0, c.length);
            model.backward();
            float[] grads = new float[0];
            for (int r = 0; r < REP; r++) {
                float[] g = model.arena().download(model.arena().grad(), r);
                float[] both = java.util.Arrays.copyOf(grads, grads.length + g.length);
                System.arraycopy(g, 0, both, grads.length, g.length);
                grads = both;
            }
            return new Step(predictions, gates, grads);
        }
    }

    private Step step(Backend backend, boolean attention, ModelKind kind, int k) {
        Model model = attention ? mha(backend, kind, k) : mlp(backend, kind, k);
        return Step.of(model, attention ? mhaBatch(backend, 31) : mlpBatch(backend, 31), backend);
    }

    @ParameterizedTest(name = "{0}")
    @EnumSource(value = ModelKind.class, names = {"MODULAR", "MODULAR_OP"})
    void dispatchingToAllModulesIsTheDenseRouting(ModelKind kind) {
        for (Backend backend : List.of(new ScalarBackend(), new VectorBackend())) {
            for (boolean attention : new boolean[] {false, true}) {
                Step dense = step(backend, attention, kind, 0);
                Step all = step(backend, attention, kind, R);
                String what = backend.name() + (attention ? " mha " : " mlp ") + kind;
                assertTrue(TestBuffers.relativeError(all.predictions, dense.predictions) < 1e-6, what);
                assertArrayEquals(dense.gates, all.gates, 1e-7f, what + " gates");
                double error = TestBuffers.relativeError(all.gradients, dense.gradients);
                assertTrue(error < 1e-5, what + " gradients: relative error " + error);
            }
        }
    }

    @ParameterizedTest(name = "{0}")
    @EnumSource(value = ModelKind.class, names = {"MODULAR", "MODULAR_OP"})
    void fewerModulesChangeThePredictionsAndGateExactlyKModules(ModelKind kind) {
        Backend backend = new ScalarBackend();
        for (boolean attention : new boolean[] {false, true}) {
            Step dense = step(backend, attention, kind, 0);
            for (int k = 1; k < R; k++) {
                Step sparse = step(backend, attention, kind, k);
                assertTrue(TestBuffers.relativeError(sparse.predictions, dense.predictions) > 1e-4, "k=" + k);
                for (int row = 0; row < REP * ROWS; row++) {
                    int kept = 0;
                    double sum = 0;
                    for (int m = 0; m < R; m++) {
                        float g = sparse.gates[row * R + m];
                        if (g > 0) kept++;
                        sum += g;
                    }
                    assertEquals(k, kept, "row " + row);
                    assertEquals(1, sum, 1e-6, "row " + row);
                }
            }
        }
    }

    /** Modular-op, k = 1, every row of rule 0 routed by a scorer whose module 3 never wins: module 3 gets nothing. */
    @ParameterizedTest(name = "{0}")
    @EnumSource(value = ModelKind.class, names = {"MODULAR_OP"})
    void aModuleNoRowChoseGetsNoGradient(ModelKind kind) {
        Backend backend = new ScalarBackend();
        Model model = mlp(backend, kind, 1);
        Batch batch = mlpBatch(backend, 31);
        model.arena().zeroGrad();
        model.forward(batch);
        float[] gates = GradCheck.read(backend, model.scores(), REP * ROWS * R);
        boolean[][] used = new boolean[REP][R];
        for (int row = 0; row < REP * ROWS; row++) {
            for (int m = 0; m < R; m++) used[row / ROWS][m] |= gates[row * R + m] > 0;
        }
        float[] c = GradCheck.uniform(new SplittableRandom(5), REP * ROWS, 1);
        backend.upload(c, 0, model.gradPredictions(), 0, c.length);
        model.backward();
        int unused = 0;
        for (int r = 0; r < REP; r++) {
            float[] grad = model.arena().download(model.arena().grad(), r);
            for (Param p : model.params()) {
                if (!p.name().startsWith("MLP.")) continue; // the modules' own: MLP.0.w (R, in, H) ... MLP.2.b (1, R, D)
                int[] shape = p.shape();
                int perModule = p.size() / R;
                int moduleAxis = shape[0] == 1 ? 1 : 0;
                assertEquals(R, shape[moduleAxis], p.name());
                for (int m = 0; m < R; m++) {
                    double norm = 0;
                    for (int i = 0; i < perModule; i++) norm += Math.abs(grad[p.start() + m * perModule + i]);
                    if (!used[r][m]) {
                        assertEquals(0.0, norm, p.name() + " module " + m + " replica " + r);
                        unused++;
                    }
                }
            }
        }
        assertTrue(unused > 0, "some module went unchosen in this batch (else the test shows nothing)");
    }
}
