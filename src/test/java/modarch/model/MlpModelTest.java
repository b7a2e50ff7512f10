package modarch.model;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;
import java.util.function.DoubleSupplier;
import modarch.TestBuffers;
import modarch.backend.Backend;
import modarch.backend.cpu.ScalarBackend;
import modarch.nn.GradCheck;
import modarch.nn.Naive;
import modarch.nn.Param;
import modarch.nn.ParamArena;
import modarch.nn.RouterRegularization;
import modarch.task.Batch;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.EnumSource;

/** The whole MLP-setting model: gradients, forward against the reference's math, routing scores. */
class MlpModelTest {
    private static final int REP = 2;
    private static final int ROWS = 6;
    private static final int R = 5;
    private static final int E = 7;
    private static final int D = 23;
    private static final int MAX_ROWS = 8;

    private final Backend backend = new ScalarBackend();
    private final List<AutoCloseable> open = new ArrayList<>();

    @AfterEach
    void close() throws Exception {
        for (AutoCloseable c : open) c.close();
    }

    private MlpModel model(ModelKind kind, int rep) {
        MlpModel model = new MlpModel(backend, rep, new ModelSpec(kind, R, E, D), MAX_ROWS);
        open.add(model);
        return model;
    }

    /** A two-replica model, replica r initialised from seed 100 + r. */
    private MlpModel model(ModelKind kind) {
        MlpModel model = model(kind, REP);
        for (int r = 0; r < REP; r++) model.init(r, 100 + r);
        return model;
    }

    private Batch batch(int rep, float[] a, float[] b, int[] rules) {
        Batch batch = TestBatches.of(backend, rep, MAX_ROWS, ROWS, a, b, rules, null);
        open.add(batch);
        return batch;
    }

    private static final class Inputs {
        final float[] a;
        final float[] b;
        final int[] rules;

        Inputs(long seed) {
            SplittableRandom rng = new SplittableRandom(seed);
            a = GradCheck.uniform(rng, REP * ROWS, 2);
            b = GradCheck.uniform(rng, REP * ROWS, 2);
            rules = new int[REP * ROWS];
            for (int i = 0; i < rules.length; i++) rules[i] = rng.nextInt(R);
        }
    }

    @ParameterizedTest(name = "{0}")
    @EnumSource(ModelKind.class)
    void gradientsMatchFiniteDifferences(ModelKind kind) {
        MlpModel model = model(kind);
        // digit1, rule1, decoder1 and the core's first layer
        assertEquals(4, GradCheck.reluOutputs(model).size(), "ReLU layers found");
        assertGradientsMatchFiniteDifferences(model, 60, () -> 0);
    }

    /**
     * The routing regularisers' gradients through the whole model: the objective adds the terms' weighted sum (read
     * after the forward) to the predictions' dot product. The z-loss and the mutual information are smooth; the load
     * balance is piecewise constant in its f (an argmax), so its gradient is checked at the op, with f frozen
     * (RouterRegularizersTest), and here only that it reaches the logits through the same path.
     */
    @ParameterizedTest(name = "{0}")
    @EnumSource(value = ModelKind.class, names = {"MODULAR", "MODULAR_OP"})
    void regularisedGradientsMatchFiniteDifferences(ModelKind kind) {
        RouterRegularization weights = new RouterRegularization(0, 0.7, 1.3);
        MlpModel model = new MlpModel(backend, REP, new ModelSpec(kind, R, E, D).withRegularization(weights), MAX_ROWS);
        open.add(model);
        for (int r = 0; r < REP; r++) model.init(r, 100 + r);
        assertGradientsMatchFiniteDifferences(model, 67, SmoothRegularizers.of(backend, model, weights));
    }

    /**
     * The analytic gradients of dot(predictions, c) + extra (read after each forward) against central differences.
     * The whole model's early-layer gradients are small (|grad| ~ 1e-2 per tensor), so fp32 round-off in the forward
     * dominates at eps = 1e-2 (errors up to ~3e-4); 2e-2 halves that. Kinks are still avoided by the ReLU-pattern
     * check, and the only curvature (softmax) is small at this step.
     */
    private void assertGradientsMatchFiniteDifferences(MlpModel model, long seed, DoubleSupplier extra) {
        Inputs in = new Inputs(seed);
        Batch batch = batch(REP, in.a, in.b, in.rules);
        float[] c = GradCheck.uniform(new SplittableRandom(seed + 1), REP * ROWS, 1);
        model.arena().zeroGrad();
        model.forward(batch);
        backend.upload(c, 0, model.gradPredictions(), 0, c.length);
        model.backward();
        // under top-k routing the gates' zero pattern is the selection: a coordinate that changes it is a kink too
        List<modarch.backend.FloatBuf> kinks = new ArrayList<>(GradCheck.reluOutputs(model));
        if (model.routed()) kinks.add(model.scores());
        GradCheck check = new GradCheck(backend, () -> {
            model.forward(batch);
            return GradCheck.dot(backend, model.predictions(), c) + extra.getAsDouble();
        }, kinks, seed + 2, 150, 2e-2);
        for (Param p : model.params()) check.check(model.arena(), p);
        check.assertPassed();
    }

    /**
     * Top-k routing through the whole model: the renormalised softmax over each row's k modules, the dispatched
     * modules and their parameters, against central differences (a coordinate that changes the selection is skipped
     * like a ReLU kink).
     */
    @ParameterizedTest(name = "{0} k={1}")
    @CsvSource({"MODULAR, 1", "MODULAR, 2", "MODULAR_OP, 2", "MODULAR_OP, 3"})
    void topKGradientsMatchFiniteDifferences(ModelKind kind, int k) {
        assertGradientsMatchFiniteDifferences(topKModel(kind, k), 90 + k, () -> 0);
    }

    /**
     * With k = 1 the renormalised gate is 1 whatever the scores: the routing path gives the scorer no gradient (its
     * rule context still learns through the modules' input). Modular's score units are columns of MLP.2.w, so the
     * whole-model check above covers that kind at k = 1.
     */
    @org.junit.jupiter.api.Test
    void topOneRoutingGivesTheOpScorerNoGradient() {
        MlpModel model = topKModel(ModelKind.MODULAR_OP, 1);
        Inputs in = new Inputs(93);
        model.arena().zeroGrad();
        model.forward(batch(REP, in.a, in.b, in.rules));
        float[] c = GradCheck.uniform(new SplittableRandom(94), REP * ROWS, 1);
        backend.upload(c, 0, model.gradPredictions(), 0, c.length);
        model.backward();
        float[] grad = model.arena().download(model.arena().grad(), 0);
        for (Param p : model.params()) {
            double norm = 0;
            for (int i = 0; i < p.size(); i++) norm += Math.abs(grad[p.start() + i]);
            if (p.name().startsWith("scorer.")) {
                assertEquals(0.0, norm, p.name());
            } else if (p.name().startsWith("MLP.")) {
                assertTrue(norm > 0, p.name());
            }
        }
    }

    private MlpModel topKModel(ModelKind kind, int k) {
        MlpModel model = new MlpModel(backend, REP, new ModelSpec(kind, R, E, D).withRouterTopK(k), MAX_ROWS);
        open.add(model);
        for (int r = 0; r < REP; r++) model.init(r, 100 + r);
        return model;
    }

    @ParameterizedTest(name = "{0}")
    @EnumSource(value = ModelKind.class, names = {"MODULAR", "MODULAR_OP"})
    void eachRegulariserChangesTheRoutersGradientsAndNothingElseOfTheForward(ModelKind kind) {
        Inputs in = new Inputs(70);
        float[] c = GradCheck.uniform(new SplittableRandom(71), REP * ROWS, 1);
        float[] plain = gradients(kind, RouterRegularization.NONE, in, c, null);
        float[] predictions = new float[REP * ROWS];
        gradients(kind, RouterRegularization.NONE, in, c, predictions);
        for (RouterRegularization w : List.of(new RouterRegularization(0.5, 0, 0), new RouterRegularization(0, 0.5, 0),
                new RouterRegularization(0, 0, 0.5))) {
            float[] regularised = new float[REP * ROWS];
            float[] grads = gradients(kind, w, in, c, regularised);
            assertArrayEquals(predictions, regularised, 0f, "the forward is the paper's");
            assertFalse(Arrays.equals(plain, grads), w + " changes the gradients");
        }
    }

    /** Replica 0's gradients after one forward and backward; the predictions into predictionsOut when given. */
    private float[] gradients(ModelKind kind, RouterRegularization weights, Inputs in, float[] c, float[] predictionsOut) {
        MlpModel model = new MlpModel(backend, REP, new ModelSpec(kind, R, E, D).withRegularization(weights), MAX_ROWS);
        open.add(model);
        for (int r = 0; r < REP; r++) model.init(r, 100 + r);
        model.arena().zeroGrad();
        model.forward(batch(REP, in.a, in.b, in.rules));
        if (predictionsOut != null) backend.download(model.predictions(), 0, predictionsOut, 0, predictionsOut.length);
        backend.upload(c, 0, model.gradPredictions(), 0, c.length);
        model.backward();
        assertEquals(weights.active(), model.regularizerTerms() != null);
        return model.arena().download(model.arena().grad(), 0);
    }

    @ParameterizedTest(name = "{0}")
    @EnumSource(ModelKind.class)
    void forwardMatchesTheReferenceMathInDouble(ModelKind kind) {
        MlpModel model = model(kind);
        Inputs in = new Inputs(63);
        model.forward(batch(REP, in.a, in.b, in.rules));
        Map<String, Param> p = Naive.byName(model.params());
        String routing = kind == ModelKind.MODULAR ? "self" : kind == ModelKind.MODULAR_OP ? "op" : "gt";
        ParamArena arena = model.arena();

        double[] pred = new double[REP * ROWS];
        double[] scores = new double[REP * ROWS * R];
        for (int r = 0; r < REP; r++) {
            float[] v = arena.download(arena.data(), r);
            for (int i = 0; i < ROWS; i++) {
                int row = r * ROWS + i;
                double[] ea = digit(p, v, in.a[row]);
                double[] eb = digit(p, v, in.b[row]);
                double[] op = new double[R];
                op[in.rules[row]] = 1;
                double[] eo = Naive.linear(v, p.get("encoder_operation.2.weight"), p.get("encoder_operation.2.bias"),
                        Naive.linear(v, p.get("encoder_operation.0.weight"), p.get("encoder_operation.0.bias"), op, true),
                        false);
                double[] joined = new double[3 * E]; // torch.cat((dig1, dig2, op), dim=-1)
                System.arraycopy(ea, 0, joined, 0, E);
                System.arraycopy(eb, 0, joined, E, E);
                System.arraycopy(eo, 0, joined, 2 * E, E);
                double[] core;
                if (kind == ModelKind.MONOLITHIC) {
                    core = Naive.linear(v, p.get("MLP.2.weight"), p.get("MLP.2.bias"),
                            Naive.linear(v, p.get("MLP.0.weight"), p.get("MLP.0.bias"), joined, true), false);
                } else {
                    double[] res = Naive.moduleMlp(p, v, routing, R, D, joined, eo, in.rules[row]);
                    core = Arrays.copyOf(res, D);
                    System.arraycopy(res, D, scores, row * R, R);
                }
                double[] hidden = Naive.linear(v, p.get("decoder.0.weight"), p.get("decoder.0.bias"), core, true);
                pred[row] = Naive.linear(v, p.get("decoder.2.weight"), p.get("decoder.2.bias"), hidden, false)[0];
            }
        }
        double predErr = TestBuffers.relativeError(GradCheck.read(backend, model.predictions(), pred.length), pred);
        assertTrue(predErr < 1e-5, "prediction relative error " + predErr);
        if (kind == ModelKind.MONOLITHIC) {
            assertNull(model.scores());
        } else {
            double scoreErr = TestBuffers.relativeError(GradCheck.read(backend, model.scores(), scores.length), scores);
            assertTrue(scoreErr < 1e-5, "score relative error " + scoreErr);
        }
    }

    private static double[] digit(Map<String, Param> p, float[] v, float x) {
        double[] h = Naive.linear(v, p.get("encoder_digit.0.weight"), p.get("encoder_digit.0.bias"), new double[] {x}, true);
        return Naive.linear(v, p.get("encoder_digit.2.weight"), p.get("encoder_digit.2.bias"), h, false);
    }

    @ParameterizedTest(name = "{0}")
    @EnumSource(value = ModelKind.class, names = {"MODULAR", "MODULAR_OP", "GT_MODULAR"})
    void routingScoresSumToOneAndGroundTruthIsTheOneHotRule(ModelKind kind) {
        MlpModel model = model(kind);
        Inputs in = new Inputs(64);
        model.forward(batch(REP, in.a, in.b, in.rules));
        float[] s = GradCheck.read(backend, model.scores(), REP * ROWS * R);
        for (int row = 0; row < REP * ROWS; row++) {
            double sum = 0;
            for (int m = 0; m < R; m++) {
                float v = s[row * R + m];
                assertTrue(v >= 0f && v <= 1f, "score in [0, 1]");
                if (kind == ModelKind.GT_MODULAR) assertEquals(m == in.rules[row] ? 1f : 0f, v, 0f);
                sum += v;
            }
            assertEquals(1.0, sum, 1e-6, "scores of row " + row);
        }
    }

    @ParameterizedTest(name = "{0}")
    @EnumSource(ModelKind.class)
    void replicasAreIndependent(ModelKind kind) {
        // replica 1 of a two-replica model computes what a one-replica model with the same init computes
        MlpModel two = model(kind);
        MlpModel one = model(kind, 1);
        one.init(0, 101);
        Inputs in = new Inputs(65);
        float[] c = GradCheck.uniform(new SplittableRandom(66), REP * ROWS, 1);
        two.arena().zeroGrad();
        two.forward(batch(REP, in.a, in.b, in.rules));
        backend.upload(c, 0, two.gradPredictions(), 0, c.length);
        two.backward();
        float[] a1 = Arrays.copyOfRange(in.a, ROWS, 2 * ROWS);
        float[] b1 = Arrays.copyOfRange(in.b, ROWS, 2 * ROWS);
        int[] rules1 = Arrays.copyOfRange(in.rules, ROWS, 2 * ROWS);
        one.arena().zeroGrad();
        one.forward(batch(1, a1, b1, rules1));
        backend.upload(c, ROWS, one.gradPredictions(), 0, ROWS);
        one.backward();
        float[] predOne = GradCheck.read(backend, one.predictions(), ROWS);
        float[] predTwo = GradCheck.read(backend, two.predictions(), 2 * ROWS);
        for (int i = 0; i < ROWS; i++) assertEquals(predOne[i], predTwo[ROWS + i], 0f, "row " + i);
        assertArrayEquals(one.arena().download(one.arena().grad(), 0), two.arena().download(two.arena().grad(), 1),
                0f, "replica 1's gradients");
    }
}
