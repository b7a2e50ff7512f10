package modarch.nn;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;
import modarch.TestBuffers;
import modarch.backend.Backend;
import modarch.backend.FloatBuf;
import modarch.backend.IntBuf;
import modarch.backend.cpu.ScalarBackend;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

class ModuleMlpTest {
    private static final int REP = 2;
    private static final int ROWS = 6;
    private static final int R = 5;
    private static final int E = 7;
    private static final int IN = 3 * E; // 21
    private static final int D = 23;     // H = floor(23 / 5) = 4, D not a multiple of R
    private static final int MAX_ROWS = 8;

    private final Backend backend = new ScalarBackend();
    private final List<AutoCloseable> open = new ArrayList<>();
    private Workspace ws;

    @AfterEach
    void close() throws Exception {
        for (AutoCloseable c : open) c.close();
    }

    /** A module MLP of the given routing ("self", "op", "gt") with replicas initialised differently (31 + r). */
    private ModuleMlp module(String routing) {
        ws = new Workspace(backend, REP);
        open.add(ws);
        Router router = switch (routing) {
            case "self" -> new SelfScoreRouter(ws, R, MAX_ROWS);
            case "op" -> new OpRouter(ws, "scorer", E, 0, R, MAX_ROWS, true, true);
            case "gt" -> new GroundTruthRouter(ws, R, MAX_ROWS);
            default -> throw new IllegalArgumentException(routing);
        };
        ModuleMlp mlp = new ModuleMlp(ws, "MLP", R, IN, D / R, D, MAX_ROWS, true, router);
        TestParams.allocateAndInit(ws.params(), 31, mlp::init);
        return mlp;
    }

    private FloatBuf buf(float[] values) {
        FloatBuf b = TestBuffers.of(backend, values);
        open.add(b);
        return b;
    }

    private IntBuf ints(int[] values) {
        IntBuf b = TestBuffers.ofInts(backend, values);
        open.add(b);
        return b;
    }

    private static int[] rules(SplittableRandom rng) {
        int[] rules = new int[REP * ROWS];
        for (int i = 0; i < rules.length; i++) rules[i] = rng.nextInt(R);
        return rules;
    }

    @ParameterizedTest(name = "{0}")
    @ValueSource(strings = {"self", "op", "gt"})
    void parameterNamesAndShapesAreTheReferences(String routing) {
        ModuleMlp mlp = module(routing);
        int width2 = routing.equals("self") ? D + 1 : D;
        List<String> names = mlp.params().stream().map(Param::name).toList();
        List<String> expected = routing.equals("op")
                ? List.of("MLP.0.w", "MLP.0.b", "MLP.2.w", "MLP.2.b", "scorer.weight", "scorer.bias")
                : List.of("MLP.0.w", "MLP.0.b", "MLP.2.w", "MLP.2.b");
        assertEquals(expected, names);
        Map<String, Param> p = Naive.byName(mlp.params());
        assertArrayEquals(new int[] {R, IN, D / R}, p.get("MLP.0.w").shape());
        assertArrayEquals(new int[] {1, R, D / R}, p.get("MLP.0.b").shape());
        assertArrayEquals(new int[] {R, D / R, width2}, p.get("MLP.2.w").shape());
        assertArrayEquals(new int[] {1, R, width2}, p.get("MLP.2.b").shape());
        if (routing.equals("op")) {
            assertArrayEquals(new int[] {R, E}, p.get("scorer.weight").shape());
            assertArrayEquals(new int[] {R}, p.get("scorer.bias").shape());
        }
    }

    @ParameterizedTest(name = "{0}")
    @ValueSource(strings = {"self", "op", "gt"})
    void forwardMatchesTheReferenceMathInDouble(String routing) {
        SplittableRandom rng = new SplittableRandom(40);
        ModuleMlp mlp = module(routing);
        float[] x = GradCheck.uniform(rng, REP * ROWS * IN, 1);
        float[] ctx = GradCheck.uniform(rng, REP * ROWS * E, 1);
        int[] rules = rules(rng);
        mlp.forward(buf(x), buf(ctx), ints(rules), ROWS);

        Map<String, Param> p = Naive.byName(mlp.params());
        double[] out = new double[REP * ROWS * D];
        double[] scores = new double[REP * ROWS * R];
        for (int r = 0; r < REP; r++) {
            float[] v = ws.params().download(ws.params().data(), r);
            for (int i = 0; i < ROWS; i++) {
                int row = r * ROWS + i;
                double[] res = Naive.moduleMlp(p, v, routing, R, D,
                        Naive.slice(x, row * IN, IN), Naive.slice(ctx, row * E, E), rules[row]);
                System.arraycopy(res, 0, out, row * D, D);
                System.arraycopy(res, D, scores, row * R, R);
            }
        }
        double outErr = TestBuffers.relativeError(GradCheck.read(backend, mlp.output(), out.length), out);
        double scoreErr = TestBuffers.relativeError(GradCheck.read(backend, mlp.router().scores(), scores.length), scores);
        assertTrue(outErr < 1e-5, "output relative error " + outErr);
        assertTrue(scoreErr < 1e-5, "score relative error " + scoreErr);
    }

    @ParameterizedTest(name = "{0}")
    @ValueSource(strings = {"self", "op", "gt"})
    void scoresAreADistributionAndGroundTruthIsTheOneHotRule(String routing) {
        SplittableRandom rng = new SplittableRandom(41);
        ModuleMlp mlp = module(routing);
        float[] x = GradCheck.uniform(rng, REP * ROWS * IN, 1);
        float[] ctx = GradCheck.uniform(rng, REP * ROWS * E, 1);
        int[] rules = rules(rng);
        mlp.forward(buf(x), buf(ctx), ints(rules), ROWS);
        float[] s = GradCheck.read(backend, mlp.router().scores(), REP * ROWS * R);
        for (int row = 0; row < REP * ROWS; row++) {
            double sum = 0;
            for (int m = 0; m < R; m++) {
                float v = s[row * R + m];
                assertTrue(v >= 0f && v <= 1f);
                if (routing.equals("gt")) assertEquals(m == rules[row] ? 1f : 0f, v, 0f);
                sum += v;
            }
            assertEquals(1.0, sum, 1e-6, "scores of row " + row);
        }
    }

    @ParameterizedTest(name = "{0}")
    @ValueSource(strings = {"self", "op", "gt"})
    void gradientsMatchFiniteDifferences(String routing) {
        SplittableRandom rng = new SplittableRandom(42);
        ModuleMlp mlp = module(routing);
        float[] x = GradCheck.uniform(rng, REP * ROWS * IN, 1);
        float[] ctx = GradCheck.uniform(rng, REP * ROWS * E, 1);
        int[] rules = rules(rng);
        float[] c = GradCheck.uniform(rng, REP * ROWS * D, 1);
        FloatBuf xb = buf(x);
        FloatBuf ctxb = buf(ctx);
        IntBuf rb = ints(rules);
        FloatBuf dxb = buf(new float[x.length]);

        ws.params().zeroGrad();
        mlp.forward(xb, ctxb, rb, ROWS);
        backend.upload(c, 0, mlp.gradOutput(), 0, c.length);
        mlp.backward(dxb);
        float[] dx = TestBuffers.read(backend, dxb);
        FloatBuf gradContext = mlp.router().gradRuleContext();
        float[] dctx = gradContext == null ? null : GradCheck.read(backend, gradContext, ctx.length);

        GradCheck check = new GradCheck(backend, () -> {
            mlp.forward(xb, ctxb, rb, ROWS);
            return GradCheck.dot(backend, mlp.output(), c);
        }, GradCheck.reluOutputs(mlp), 43, 400);
        assertEquals(1, GradCheck.reluOutputs(mlp).size(), "one ReLU (after MLP.0) inside the module MLP");
        for (Param p : mlp.params()) check.check(ws.params(), p);
        check.check("input", xb, 0, x.length, dx, 0);
        if (routing.equals("op")) {
            check.check("ruleContext", ctxb, 0, ctx.length, dctx, 0);
        } else {
            assertNull(gradContext);
        }
        check.assertPassed();
    }

    @Test
    void backwardTwiceDoublesTheParameterGradients() {
        SplittableRandom rng = new SplittableRandom(44);
        ModuleMlp mlp = module("self");
        float[] x = GradCheck.uniform(rng, REP * ROWS * IN, 1);
        float[] ctx = GradCheck.uniform(rng, REP * ROWS * E, 1);
        int[] rules = rules(rng);
        float[] c = GradCheck.uniform(rng, REP * ROWS * D, 1);
        FloatBuf dxb = buf(new float[x.length]);
        ws.params().zeroGrad();
        mlp.forward(buf(x), buf(ctx), ints(rules), ROWS);
        backend.upload(c, 0, mlp.gradOutput(), 0, c.length);
        mlp.backward(dxb);
        List<float[]> once = mlp.params().stream().map(p -> TestParams.grad(backend, ws.params(), p)).toList();
        float[] dxOnce = TestBuffers.read(backend, dxb);
        backend.upload(c, 0, mlp.gradOutput(), 0, c.length);
        mlp.backward(dxb);
        for (int k = 0; k < once.size(); k++) {
            float[] g = TestParams.grad(backend, ws.params(), mlp.params().get(k));
            for (int i = 0; i < g.length; i++) assertEquals(2 * once.get(k)[i], g[i], 1e-5f);
        }
        assertArrayEquals(dxOnce, TestBuffers.read(backend, dxb), 1e-6f, "the input gradient is written, not accumulated");
    }
}
