package modarch.backend;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.Arrays;
import modarch.backend.ops.RegularizerTerms;
import java.util.List;
import java.util.SplittableRandom;
import modarch.TestBuffers;
import modarch.backend.cpu.ScalarBackend;
import modarch.backend.cpu.VectorBackend;
import org.junit.jupiter.api.Test;

/**
 * The router regularisers ({@link Backend#routerRegularizers}) of every CPU backend against
 * {@link NaiveRouterRegularizers}, an independent float64 implementation, and against central differences of its
 * terms; the tie rule of f, the gradient added to what is there, zero weights. Probabilities are the test's own
 * softmax of the logits, in double, rounded to float. Every buffer is followed by a margin: NaN after the inputs (a
 * read past the end shows as NaN), a guard after the outputs (a write past the end shows as a changed value).
 */
class RouterRegularizersTest {

    private static final float GUARD = 12345.5f;
    private static final int MARGIN = 5;
    private static final double TERMS_TOL = 1e-6;
    private static final double GRAD_TOL = 1e-5;

    private static final List<Backend> BACKENDS = List.of(new ScalarBackend(), new VectorBackend());

    /** (loadBalance, zLoss, miLoss): all three, each alone (MI's sign flipped: the loss is then +MI). */
    private static final float[][] WEIGHTS = {{0.7f, 0.05f, 0.3f}, {1f, 0f, 0f}, {0f, 1f, 0f}, {0f, 0f, -1f}};

    /** Logits (rep, rows, R), N(0, scale^2), and their softmax in double rounded to float. */
    private record Inputs(int rep, int rows, int modules, float[] logits, float[] probs) {
        static Inputs random(SplittableRandom rnd, int rep, int rows, int modules, double scale) {
            float[] z = gaussian(rnd, rep * rows * modules);
            for (int i = 0; i < z.length; i++) z[i] *= (float) scale;
            return of(rep, rows, modules, z);
        }

        static Inputs of(int rep, int rows, int modules, float[] z) {
            double[] p = NaiveRouterRegularizers.softmax(rep * rows, modules, widen(z));
            float[] probs = new float[p.length];
            for (int i = 0; i < p.length; i++) probs[i] = (float) p[i];
            return new Inputs(rep, rows, modules, z, probs);
        }

        int size() {
            return logits.length;
        }

        NaiveRouterRegularizers naive() {
            return NaiveRouterRegularizers.of(rep, rows, modules, widen(logits), widen(probs));
        }

        @Override
        public String toString() {
            return "rep=" + rep + " rows=" + rows + " R=" + modules;
        }
    }

    /** terms (rep, 3) and gradLogits (rep, rows, R) after one call, margins included. */
    private record Outputs(float[] terms, float[] grad) {
    }

    /** Runs the op on backend over inputs (NaN after them), terms starting as NaN and grad as given, guards after. */
    private static Outputs run(Backend backend, Inputs in, float[] gradBefore, float... weights) {
        float[] termsBefore = new float[3 * in.rep + MARGIN];
        Arrays.fill(termsBefore, 0, 3 * in.rep, Float.NaN);
        Arrays.fill(termsBefore, 3 * in.rep, termsBefore.length, GUARD);
        float[] grad = Arrays.copyOf(gradBefore, in.size() + MARGIN);
        Arrays.fill(grad, in.size(), grad.length, GUARD);
        try (FloatBuf z = TestBuffers.of(backend, padded(in.logits)); FloatBuf p = TestBuffers.of(backend, padded(in.probs));
             FloatBuf t = TestBuffers.of(backend, termsBefore); FloatBuf g = TestBuffers.of(backend, grad)) {
            backend.run(new RegularizerTerms(in.rep, in.rows, in.modules, z, p, weights[0], weights[1], weights[2], t,
                    g));
            Outputs out = new Outputs(TestBuffers.read(backend, t), TestBuffers.read(backend, g));
            for (int i = 3 * in.rep; i < out.terms.length; i++) assertEquals(GUARD, out.terms[i], "terms written past the end");
            for (int i = in.size(); i < out.grad.length; i++) assertEquals(GUARD, out.grad[i], "gradLogits written past the end");
            return new Outputs(Arrays.copyOf(out.terms, 3 * in.rep), Arrays.copyOf(out.grad, in.size()));
        }
    }

    private static float[] gaussian(SplittableRandom rnd, int n) {
        float[] x = new float[n];
        for (int i = 0; i < n; i++) x[i] = (float) rnd.nextGaussian();
        return x;
    }

    private static float[] padded(float[] x) {
        float[] b = Arrays.copyOf(x, x.length + MARGIN);
        Arrays.fill(b, x.length, b.length, Float.NaN);
        return b;
    }

    private static double[] widen(float[] x) {
        double[] d = new double[x.length];
        for (int i = 0; i < x.length; i++) d[i] = x[i];
        return d;
    }

    private static void assertTerms(double[] ref, float[] out, String what) {
        for (int i = 0; i < ref.length; i++) {
            assertTrue(Math.abs(out[i] - ref[i]) <= TERMS_TOL * Math.abs(ref[i]) + 1e-9,
                    what + ": term " + i + " is " + out[i] + ", float64 " + ref[i]);
        }
    }

    private static void assertRelative(double[] ref, float[] out, double tolerance, String what) {
        assertRelative(ref, widen(out), tolerance, what);
    }

    /** ||out - ref|| / ||ref|| below tolerance. */
    private static void assertRelative(double[] ref, double[] out, double tolerance, String what) {
        double diff = 0, norm = 0;
        for (int i = 0; i < ref.length; i++) {
            diff += (out[i] - ref[i]) * (out[i] - ref[i]);
            norm += ref[i] * ref[i];
        }
        double relative = Math.sqrt(diff / Math.max(norm, 1e-300));
        assertTrue(relative < tolerance, what + ": relative error " + relative);
    }

    @Test
    void everyShapeMatchesFloat64() {
        SplittableRandom rnd = new SplittableRandom(1);
        for (int modules : new int[] {2, 3, 8, 64}) {
            for (int rows : new int[] {1, 5, 257}) {
                for (int rep : new int[] {1, 3}) {
                    Inputs in = Inputs.random(rnd, rep, rows, modules, 2.0);
                    NaiveRouterRegularizers naive = in.naive();
                    for (float[] w : WEIGHTS) {
                        double[] ref = naive.gradient(w[0], w[1], w[2]);
                        for (Backend backend : BACKENDS) {
                            String what = backend.name() + " " + in + " weights " + Arrays.toString(w);
                            Outputs out = run(backend, in, new float[in.size()], w);
                            assertTerms(naive.terms, out.terms, what);
                            assertRelative(ref, out.grad, GRAD_TOL, what + ", gradLogits");
                        }
                    }
                }
            }
        }
    }

    /** Logits of a few units, as a router that has learnt to prefer: probabilities down to about 1e-12. */
    @Test
    void peakedRoutingMatchesFloat64() {
        Inputs in = Inputs.random(new SplittableRandom(2), 2, 40, 8, 6.0);
        NaiveRouterRegularizers naive = in.naive();
        for (Backend backend : BACKENDS) {
            Outputs out = run(backend, in, new float[in.size()], WEIGHTS[0]);
            assertTerms(naive.terms, out.terms, backend.name());
            assertRelative(naive.gradient(WEIGHTS[0][0], WEIGHTS[0][1], WEIGHTS[0][2]), out.grad, GRAD_TOL, backend.name());
        }
    }

    @Test
    void theGradientIsAddedToWhatIsThere() {
        SplittableRandom rnd = new SplittableRandom(3);
        Inputs in = Inputs.random(rnd, 3, 5, 4, 1.0);
        float[] before = gaussian(rnd, in.size());
        for (Backend backend : BACKENDS) {
            float[] alone = run(backend, in, new float[in.size()], WEIGHTS[0]).grad;
            Outputs added = run(backend, in, before, WEIGHTS[0]);
            for (int i = 0; i < before.length; i++) {
                assertNotEquals(0f, alone[i], backend.name() + ": a gradient element is 0");
                assertEquals(before[i] + alone[i], added.grad[i], 0f, backend.name() + ": element " + i);
            }
        }
    }

    /**
     * Equal probabilities count for the lower module: rows (0, 0, 0) and (1, 3, 3) give f = (1/2, 1/2, 0), where the
     * higher module would give (0, 0, 1) and a load balance of 3 P_2 instead.
     */
    @Test
    void tiesGoToTheLowerModule() {
        Inputs in = Inputs.of(1, 2, 3, new float[] {0, 0, 0, 1, 3, 3});
        assertEquals(in.probs[4], in.probs[5], "the tie is exact");
        double[] mean = new double[3];
        for (int m = 0; m < 3; m++) mean[m] = ((double) in.probs[m] + in.probs[3 + m]) / 2;
        double lower = 3 * (0.5 * mean[0] + 0.5 * mean[1]), higher = 3 * mean[2];
        assertArrayEquals(new double[] {0.5, 0.5, 0}, in.naive().top, "the float64 implementation's f");
        for (Backend backend : BACKENDS) {
            float balance = run(backend, in, new float[in.size()], WEIGHTS[0]).terms[0];
            assertEquals(lower, balance, 1e-6 * lower, backend.name());
            assertTrue(Math.abs(higher - balance) > 0.1, backend.name() + ": " + balance + " is the higher module's");
        }
    }

    /**
     * Each term's gradient (its weight alone) against central differences in float64 of the float64 terms in the
     * logits, p = softmax(z) in double, f held at the unperturbed one (Switch's f is not differentiated); every logit
     * of two replicas. The float64 gradient (from p in double) is checked the same way, to 1e-8.
     */
    @Test
    void gradientsMatchFiniteDifferences() {
        SplittableRandom rnd = new SplittableRandom(4);
        double h = 1e-5;
        for (int[] shape : new int[][] {{2, 5, 3}, {2, 7, 8}, {1, 1, 4}}) {
            Inputs in = Inputs.random(rnd, shape[0], shape[1], shape[2], 1.5);
            double[] z = widen(in.logits);
            NaiveRouterRegularizers exact = NaiveRouterRegularizers.of(in.rep, in.rows, in.modules, z,
                    NaiveRouterRegularizers.softmax(in.rep * in.rows, in.modules, z)); // p not rounded to float
            double[][] numeric = new double[3][in.size()];
            for (int i = 0; i < z.length; i++) {
                double saved = z[i];
                z[i] = saved + h;
                double[] plus = NaiveRouterRegularizers.termsAt(in.rep, in.rows, in.modules, z, exact.top);
                z[i] = saved - h;
                double[] minus = NaiveRouterRegularizers.termsAt(in.rep, in.rows, in.modules, z, exact.top);
                z[i] = saved;
                int r = i / (in.rows * in.modules); // a logit moves its own replica's terms only
                for (int t = 0; t < 3; t++) numeric[t][i] = (plus[3 * r + t] - minus[3 * r + t]) / (2 * h);
            }
            for (int t = 0; t < 3; t++) {
                float[] w = WEIGHTS[1 + t]; // the loss is term t
                String what = in + " term " + t;
                assertRelative(numeric[t], exact.gradient(w[0], w[1], w[2]), 1e-8, what + ", float64");
                for (Backend backend : BACKENDS) {
                    assertRelative(numeric[t], widen(run(backend, in, new float[in.size()], w).grad), GRAD_TOL,
                            backend.name() + " " + what);
                }
            }
        }
    }

    /** All weights 0: the gradient keeps its bits (a -0 too), the terms are written all the same. */
    @Test
    void zeroWeightsLeaveTheGradientAlone() {
        SplittableRandom rnd = new SplittableRandom(5);
        Inputs in = Inputs.random(rnd, 2, 9, 5, 1.0);
        float[] before = gaussian(rnd, in.size());
        before[3] = -0f;
        for (Backend backend : BACKENDS) {
            Outputs out = run(backend, in, before, 0f, 0f, 0f);
            for (int i = 0; i < before.length; i++) {
                assertEquals(Float.floatToRawIntBits(before[i]), Float.floatToRawIntBits(out.grad[i]),
                        backend.name() + ": element " + i);
            }
            assertArrayEquals(run(backend, in, before, WEIGHTS[0]).terms, out.terms, backend.name());
            assertTerms(in.naive().terms, out.terms, backend.name());
        }
    }

    @Test
    void noRowsOrNoModulesAreRefused() {
        for (Backend backend : BACKENDS) {
            try (FloatBuf x = backend.allocFloats(8)) {
                for (int[] shape : new int[][] {{0, 2}, {2, 0}}) {
                    IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                            () -> backend.run(new RegularizerTerms(1, shape[0], shape[1], x, x, 1f, 1f, 1f, x, x)));
                    assertTrue(e.getMessage().contains(shape[0] + " rows of " + shape[1] + " modules"), e.getMessage());
                }
            }
        }
    }

    /** Once warm, a run of a built op allocates nothing (it runs inside every training step). */
    @Test
    void aWarmCallAllocatesNothing() {
        Inputs in = Inputs.random(new SplittableRandom(6), 2, 64, 16, 1.0);
        for (Backend backend : BACKENDS) {
            try (FloatBuf z = TestBuffers.of(backend, in.logits); FloatBuf p = TestBuffers.of(backend, in.probs);
                 FloatBuf t = backend.allocFloats(6); FloatBuf g = backend.allocFloats(in.size())) {
                RegularizerTerms op = new RegularizerTerms(2, 64, 16, z, p, 0.7f, 0.05f, 0.3f, t, g);
                long bytes = WarmAllocation.ofFiftyRuns(() -> backend.run(op));
                assertEquals(0, bytes, backend.name() + ": bytes allocated by 50 warm calls");
            }
        }
    }
}
