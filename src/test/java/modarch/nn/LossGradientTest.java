package modarch.nn;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;
import modarch.TestBuffers;
import modarch.backend.Backend;
import modarch.backend.FloatBuf;
import modarch.backend.cpu.ScalarBackend;
import modarch.backend.cpu.VectorBackend;
import modarch.train.Loss;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * The two losses through {@link Loss#apply}: each replica's mean against the definition, the gradient against
 * finite differences of the sum of the replicas' losses, scale and accumulate, and nothing written past the
 * (rep, n) block. On the scalar reference and the Vector API backend.
 */
class LossGradientTest {
    private static final int REP = 2;
    private static final int N = 6;          // predictions per replica
    private static final int TOTAL = REP * N;
    private static final int SLACK = 5;      // grad and loss buffers are larger: the values past them stay
    private static final float SENTINEL = 7f;

    private final List<AutoCloseable> open = new ArrayList<>();

    @AfterEach
    void close() throws Exception {
        for (int i = open.size() - 1; i >= 0; i--) open.get(i).close(); // buffers before their backend
    }

    private Backend backend(String name) {
        Backend backend = name.equals("scalar") ? new ScalarBackend() : new VectorBackend();
        open.add(backend);
        return backend;
    }

    private FloatBuf buf(Backend backend, float[] values) {
        FloatBuf b = TestBuffers.of(backend, values);
        open.add(b);
        return b;
    }

    private static float[] filled(int n) {
        float[] x = new float[n];
        java.util.Arrays.fill(x, SENTINEL);
        return x;
    }

    /** Runs the loss, checks values, slack, scale/accumulate and the finite-difference gradient. */
    private void check(Backend backend, Loss loss, float[] pred, float[] target, double[] expectedMeans,
                       double[] expectedGrad, long seed) {
        FloatBuf predBuf = buf(backend, pred);
        FloatBuf targetBuf = buf(backend, target);
        FloatBuf grad = buf(backend, filled(TOTAL + SLACK));
        FloatBuf lossBuf = buf(backend, filled(REP + SLACK));
        loss.apply(backend, REP, N, predBuf, targetBuf, grad, lossBuf, 1f, false);
        float[] g = TestBuffers.read(backend, grad);
        float[] l = TestBuffers.read(backend, lossBuf);
        for (int r = 0; r < REP; r++) {
            assertEquals(expectedMeans[r], l[r], 1e-6 * Math.max(1, Math.abs(expectedMeans[r])), "loss of replica " + r);
        }
        for (int i = 0; i < TOTAL; i++) assertEquals(expectedGrad[i], g[i], 1e-7, "gradient " + i);
        for (int i = TOTAL; i < g.length; i++) assertEquals(SENTINEL, g[i], 0f, "wrote past the gradient block");
        for (int i = REP; i < l.length; i++) assertEquals(SENTINEL, l[i], 0f, "wrote past the replicas' losses");

        // scale, then accumulate: loss[r] = old + scale * mean
        loss.apply(backend, REP, N, predBuf, targetBuf, grad, lossBuf, 0.25f, true);
        float[] l2 = TestBuffers.read(backend, lossBuf);
        for (int r = 0; r < REP; r++) assertEquals(1.25 * l[r], l2[r], 1e-6 * Math.max(1, Math.abs(l[r])));
        loss.apply(backend, REP, N, predBuf, targetBuf, grad, lossBuf, 0.5f, false);
        float[] l3 = TestBuffers.read(backend, lossBuf);
        for (int r = 0; r < REP; r++) assertEquals(0.5 * l[r], l3[r], 1e-6 * Math.max(1, Math.abs(l[r])));

        FloatBuf scratch = buf(backend, new float[TOTAL]);
        FloatBuf scratchLoss = buf(backend, new float[REP]);
        float[] out = new float[REP];
        GradCheck check = new GradCheck(backend, () -> {
            loss.apply(backend, REP, N, predBuf, targetBuf, scratch, scratchLoss, 1f, false);
            backend.download(scratchLoss, 0, out, 0, REP);
            double sum = 0;
            for (float v : out) sum += v;
            return sum;
        }, List.of(), seed, 100);
        check.check(loss + " dpred", predBuf, 0, TOTAL, g, 0);
        check.assertPassed();
    }

    @ParameterizedTest(name = "{0}")
    @ValueSource(strings = {"scalar", "vector"})
    void l1Loss(String backendName) {
        Backend backend = backend(backendName);
        SplittableRandom rng = new SplittableRandom(50);
        float[] pred = GradCheck.uniform(rng, TOTAL, 2);
        float[] target = new float[TOTAL];
        for (int i = 0; i < TOTAL; i++) {
            // keep |p - t| >= 0.1 so the +-eps perturbation never crosses the kink at p = t
            double gap = rng.nextDouble(0.1, 1.5) * (rng.nextBoolean() ? 1 : -1);
            target[i] = (float) (pred[i] - gap);
        }
        double[] means = new double[REP];
        double[] grad = new double[TOTAL];
        for (int i = 0; i < TOTAL; i++) {
            double d = (double) pred[i] - target[i];
            means[i / N] += Math.abs(d) / N;
            grad[i] = Math.signum(d) / N;
        }
        check(backend, Loss.L1, pred, target, means, grad, 51);
    }

    @ParameterizedTest(name = "{0}")
    @ValueSource(strings = {"scalar", "vector"})
    void bceWithLogitsLoss(String backendName) {
        Backend backend = backend(backendName);
        SplittableRandom rng = new SplittableRandom(52);
        float[] logit = GradCheck.uniform(rng, TOTAL, 3);
        logit[0] = 30f;     // large magnitudes: the stable form must not overflow
        logit[N + 1] = -30f;
        float[] target = new float[TOTAL];
        for (int i = 0; i < TOTAL; i++) target[i] = rng.nextBoolean() ? 1f : 0f;
        target[0] = 0f;
        target[N + 1] = 1f;
        double[] means = new double[REP];
        double[] grad = new double[TOTAL];
        for (int i = 0; i < TOTAL; i++) {
            double x = logit[i], t = target[i];
            double p = 1 / (1 + Math.exp(-x));
            // -[t log p + (1-t) log(1-p)], written with log1p for the tails
            means[i / N] += -(t * -Math.log1p(Math.exp(-x)) + (1 - t) * -Math.log1p(Math.exp(x))) / N;
            grad[i] = (p - t) / N;
        }
        check(backend, Loss.BCE_WITH_LOGITS, logit, target, means, grad, 53);
    }
}
