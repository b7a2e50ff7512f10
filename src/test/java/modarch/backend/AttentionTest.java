package modarch.backend;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import java.util.Arrays;
import modarch.backend.ops.AttentionShape;
import modarch.backend.ops.AttentionBackward;
import modarch.backend.ops.AttentionForward;
import java.util.List;
import java.util.SplittableRandom;
import modarch.TestBuffers;
import modarch.backend.cpu.Parallel;
import modarch.backend.cpu.ScalarBackend;
import modarch.backend.cpu.VectorBackend;
import modarch.nn.GradCheck;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Test;

/**
 * The fused sparse top-k attention ops ({@link Backend#attentionForward}, {@link Backend#attentionBackward}) of every
 * CPU backend (the scalar reference, the Vector API one on one thread and on two) against {@link NaiveAttention}, an
 * independent float64 implementation, and against finite differences; ties, duplicate keys and NaN scores; the
 * vector backend against the reference bit for bit. Every buffer is followed by a margin: NaN after the inputs (a
 * read past the end shows as NaN), a finite guard after the outputs (a write past the end shows as a changed
 * value); outputs start NaN inside, so an element left unwritten shows too.
 */
class AttentionTest {

    private static final float GUARD = 12345.5f;
    private static final int GUARD_INT = 0x5A5A5A5A;
    private static final int MARGIN = 19;
    private static final double TOL = 1e-5;

    private static final Parallel ONE = new Parallel(1);
    private static final Parallel TWO = new Parallel(2);
    private static final Backend SCALAR = new ScalarBackend();
    private static final VectorBackend SERIAL = new VectorBackend(ONE);
    private static final VectorBackend PARALLEL = new VectorBackend(TWO);
    private static final List<Backend> BACKENDS = List.of(SCALAR, SERIAL, PARALLEL);
    private static final List<Backend> VECTOR = List.of(SERIAL, PARALLEL);

    @AfterAll
    static void closePools() {
        ONE.close();
        TWO.close();
    }

    /** One call's shape; scale 1 / sqrt(headDim), as the reference's attention. */
    private record Shape(int seqs, int length, int heads, int headDim, int topK) {
        int keep() {
            return AttentionShape.keptKeys(topK, length);
        }

        int tokens() {
            return seqs * length * heads * headDim;
        }

        int slots() {
            return seqs * heads * length * keep();
        }

        float scale() {
            return (float) (1 / Math.sqrt(headDim));
        }

        Shape withTopK(int k) {
            return new Shape(seqs, length, heads, headDim, k);
        }

        NaiveAttention naive(Inputs in) {
            return NaiveAttention.topK(seqs, length, heads, headDim, topK, scale(), in.q, in.k, in.v, in.dOut);
        }

        @Override
        public String toString() {
            return "seqs=" + seqs + " length=" + length + " heads=" + heads + " headDim=" + headDim + " topK=" + topK;
        }
    }

    /** q, k, v and the gradient of the output, each (seqs, length, heads * headDim). */
    private record Inputs(float[] q, float[] k, float[] v, float[] dOut) {
        static Inputs gaussian(Shape s, long seed) {
            SplittableRandom rnd = new SplittableRandom(seed);
            return new Inputs(gaussians(rnd, s.tokens()), gaussians(rnd, s.tokens()), gaussians(rnd, s.tokens()),
                    gaussians(rnd, s.tokens()));
        }
    }

    /** What a forward and a backward wrote. */
    private record Result(float[] out, int[] kept, float[] weight, float[] dScore, float[] dQ, float[] dK, float[] dV) {
        void assertSameBits(Result o, String what) {
            assertArrayEquals(kept, o.kept, what + ": kept");
            assertArrayEquals(out, o.out, what + ": out");
            assertArrayEquals(weight, o.weight, what + ": weight");
            assertArrayEquals(dScore, o.dScore, what + ": gradScore");
            assertArrayEquals(dQ, o.dQ, what + ": gradQ");
            assertArrayEquals(dK, o.dK, what + ": gradK");
            assertArrayEquals(dV, o.dV, what + ": gradV");
        }

        /** kept exactly naive's, every float tensor within relative error {@link #TOL}. */
        void assertClose(NaiveAttention naive, String what) {
            assertClose(naive, what, true);
        }

        /** As above, gradQ left out unless withGradQ. */
        void assertClose(NaiveAttention naive, String what, boolean withGradQ) {
            assertArrayEquals(naive.kept, kept, what + ": kept");
            assertRelative(out, naive.out, what + ": out");
            assertRelative(weight, naive.weight, what + ": weight");
            assertRelative(dScore, naive.dScore, what + ": gradScore");
            if (withGradQ) assertRelative(dQ, naive.dQ, what + ": gradQ");
            assertRelative(dK, naive.dK, what + ": gradK");
            assertRelative(dV, naive.dV, what + ": gradV");
        }
    }

    private static void assertRelative(float[] out, double[] ref, String what) {
        double error = TestBuffers.relativeError(out, ref);
        assertTrue(error < TOL, what + ": relative error " + error);
    }

    /** Forward then backward on backend; checks the margins and that every output element was written. */
    private static Result run(Backend backend, Shape s, Inputs in) {
        String what = s + " on " + backend.name();
        int tokens = s.tokens(), slots = s.slots();
        try (FloatBuf q = input(backend, in.q); FloatBuf k = input(backend, in.k); FloatBuf v = input(backend, in.v);
             FloatBuf dOut = input(backend, in.dOut); FloatBuf out = output(backend, tokens);
             IntBuf kept = backend.allocInts(slots + MARGIN); FloatBuf weight = output(backend, slots);
             FloatBuf dScore = output(backend, slots); FloatBuf dQ = output(backend, tokens);
             FloatBuf dK = output(backend, tokens); FloatBuf dV = output(backend, tokens)) {
            int[] keptStart = new int[slots + MARGIN];
            Arrays.fill(keptStart, 0, slots, -1);
            Arrays.fill(keptStart, slots, keptStart.length, GUARD_INT);
            backend.upload(keptStart, 0, kept, 0, keptStart.length);
            backend.run(new AttentionForward(s.seqs, s.length, s.heads, s.headDim, s.topK, s.scale(), q, k, v, out,
                    kept, weight));
            backend.run(new AttentionBackward(s.seqs, s.length, s.heads, s.headDim, s.topK, s.scale(), q, k, v, kept,
                    weight, dOut, dScore, dQ, dK, dV));
            int[] keptAll = TestBuffers.readInts(backend, kept);
            for (int i = slots; i < keptAll.length; i++) assertEquals(GUARD_INT, keptAll[i], what + ": kept written past the end");
            for (int i = 0; i < slots; i++) {
                assertTrue(keptAll[i] >= 0 && keptAll[i] < s.length, what + ": kept[" + i + "] = " + keptAll[i]);
            }
            return new Result(written(backend, out, tokens, what + ": out"), Arrays.copyOf(keptAll, slots),
                    written(backend, weight, slots, what + ": weight"), written(backend, dScore, slots, what + ": gradScore"),
                    written(backend, dQ, tokens, what + ": gradQ"), written(backend, dK, tokens, what + ": gradK"),
                    written(backend, dV, tokens, what + ": gradV"));
        }
    }

    /** values followed by a NaN margin. */
    private static FloatBuf input(Backend backend, float[] values) {
        float[] x = Arrays.copyOf(values, values.length + MARGIN);
        Arrays.fill(x, values.length, x.length, Float.NaN);
        return TestBuffers.of(backend, x);
    }

    /** n NaNs followed by a guard margin. */
    private static FloatBuf output(Backend backend, int n) {
        float[] x = new float[n + MARGIN];
        Arrays.fill(x, 0, n, Float.NaN);
        Arrays.fill(x, n, x.length, GUARD);
        return TestBuffers.of(backend, x);
    }

    /** The first n values of buf, after checking the margin is untouched; NaN inside only where inputs are NaN. */
    private static float[] written(Backend backend, FloatBuf buf, int n, String what) {
        float[] all = TestBuffers.read(backend, buf);
        for (int i = n; i < all.length; i++) assertEquals(GUARD, all[i], what + ": written past the end at " + i);
        return Arrays.copyOf(all, n);
    }

    private static void assertFinite(Result r, String what) {
        for (float[] x : List.of(r.out, r.weight, r.dScore, r.dQ, r.dK, r.dV)) {
            for (int i = 0; i < x.length; i++) assertTrue(Float.isFinite(x[i]), what + ": not finite (unwritten?) at " + i);
        }
    }

    /**
     * Inputs for s whose float64 rankings have no gap under minGap at the given ranks (so a float selection keeps
     * the keys the float64 one keeps): the first of up to 200 seeds from seed on.
     */
    private static Inputs farFromTies(Shape s, long seed, double minGap, int... ranks) {
        for (int t = 0; t < 200; t++) {
            Inputs in = Inputs.gaussian(s, seed + t);
            NaiveAttention naive = s.naive(in);
            double gap = ranks.length == 0 ? naive.minGapAllRanks() : naive.minGap(ranks);
            if (gap > minGap) return in;
        }
        throw new AssertionError("no inputs without near ties for " + s);
    }

    /** K >= length - 1 is dense attention: equal to the full-matrix float64 version, and the same bits for any such K. */
    @Test
    void denseMatchesFullMatrixAndEveryLargeKGivesTheSameBits() {
        long seed = 1;
        for (int length : new int[] {1, 2, 3, 5, 10, 17, 30}) {
            for (int headDim : new int[] {1, 5, 16, 64}) {
                Shape s = new Shape(2, length, 3, headDim, Math.max(1, length - 1));
                Inputs in = Inputs.gaussian(s, seed++);
                NaiveAttention dense = NaiveAttention.dense(s.seqs, length, s.heads, headDim, s.scale(), in.q, in.k,
                        in.v, in.dOut);
                for (Backend backend : BACKENDS) {
                    String what = s + " on " + backend.name();
                    Result r = run(backend, s, in);
                    if (length > 1) assertFinite(r, what);
                    r.assertClose(dense, what + " against the full matrix");
                    for (int topK : new int[] {length + 5, 1000}) {
                        run(backend, s.withTopK(topK), in).assertSameBits(r, what + " against topK " + topK);
                    }
                }
            }
        }
    }

    /** Every K from 1 to length - 1: the kept keys exactly the float64 top-k's, the values within 1e-5. */
    @Test
    void everyKMatchesFloat64TopK() {
        long seed = 100;
        for (int length : new int[] {2, 3, 5, 10, 30}) {
            for (int headDim : new int[] {1, 5, 8, 16, 32, 64}) {
                Shape base = new Shape(length < 30 ? 2 : 1, length, 2, headDim, 1);
                Inputs in = farFromTies(base, seed, 1e-5);
                seed += 1000;
                for (int topK = 1; topK < length; topK++) {
                    Shape s = base.withTopK(topK);
                    NaiveAttention naive = s.naive(in);
                    for (Backend backend : BACKENDS) {
                        String what = s + " on " + backend.name();
                        Result r = run(backend, s, in);
                        assertFinite(r, what);
                        r.assertClose(naive, what);
                    }
                }
            }
        }
    }

    /**
     * The backward against central differences (in float64, of the backend's own float forward) of
     * {@code f = sum(out * dOut)}, on inputs whose K-th and (K+1)-th scores are at least 0.05 apart, so that no
     * perturbation changes the kept keys (one moves a score by at most scale * 1e-2 * |x|, about 0.015; the objective
     * checks that the kept keys stay). With K = 1 the single weight is 1
     * whatever the scores: gradQ and gradK must be exactly zero, and only gradV is compared.
     */
    @Test
    void backwardMatchesFiniteDifferences() {
        int length = 6, heads = 2, headDim = 4;
        for (int topK : new int[] {1, 2, length - 1}) {
            Shape s = new Shape(1, length, heads, headDim, topK);
            Inputs in = farFromTies(s, 500 + topK * 1000L, 0.05, topK);
            for (Backend backend : BACKENDS) {
                String what = s + " on " + backend.name();
                Result analytic = run(backend, s, in);
                try (FloatBuf q = TestBuffers.of(backend, in.q); FloatBuf k = TestBuffers.of(backend, in.k);
                     FloatBuf v = TestBuffers.of(backend, in.v); FloatBuf out = backend.allocFloats(s.tokens());
                     IntBuf kept = backend.allocInts(s.slots()); FloatBuf weight = backend.allocFloats(s.slots())) {
                    GradCheck.Objective objective = () -> {
                        backend.run(new AttentionForward(s.seqs, length, heads, headDim, topK, s.scale(), q, k, v, out,
                                kept, weight));
                        if (!Arrays.equals(analytic.kept, TestBuffers.readInts(backend, kept))) {
                            fail(what + ": a perturbation changed the kept keys");
                        }
                        return GradCheck.dot(TestBuffers.read(backend, out), in.dOut);
                    };
                    GradCheck check = new GradCheck(backend, objective, List.of(), 7, Integer.MAX_VALUE);
                    check.check("gradV", v, 0, s.tokens(), analytic.dV, 0);
                    if (topK == 1) {
                        for (float[] zero : List.of(analytic.dQ, analytic.dK, analytic.dScore)) {
                            for (float x : zero) assertEquals(0, Float.floatToRawIntBits(Math.abs(x)), what + ": K = 1");
                        }
                    } else {
                        check.check("gradQ", q, 0, s.tokens(), analytic.dQ, 0);
                        check.check("gradK", k, 0, s.tokens(), analytic.dK, 0);
                    }
                    check.assertPassed();
                }
            }
        }
    }

    /**
     * All keys of a sequence identical: every score of a query ties, so it keeps the K lowest keys other than
     * itself, each with weight 1/K; keys kept by nobody (the highest ones) get exactly zero gradK and gradV. gradQ
     * is not compared: it is scale * k * sum_l ds_l with sum_l ds_l = 0, float rounding against float64's zero.
     */
    @Test
    void tiesKeepTheLowerKeys() {
        int length = 7, heads = 2, headDim = 5;
        for (int topK = 1; topK < length; topK++) {
            Shape s = new Shape(2, length, heads, headDim, topK);
            Inputs random = Inputs.gaussian(s, 900 + topK);
            float[] k = random.k.clone();
            int width = heads * headDim;
            for (int seq = 0; seq < s.seqs; seq++) {
                for (int t = 1; t < length; t++) {
                    System.arraycopy(k, seq * length * width, k, (seq * length + t) * width, width);
                }
            }
            Inputs in = new Inputs(random.q, k, random.v, random.dOut);
            int[] expected = new int[s.slots()];
            for (int i = 0, at = 0; i < s.seqs * heads * length; i++) {
                int query = i % length;
                for (int j = 0, l = 0; l < topK; j++) if (j != query) { expected[at++] = j; l++; }
            }
            NaiveAttention naive = s.naive(in);
            assertArrayEquals(expected, naive.kept, "the float64 top-k");
            for (Backend backend : BACKENDS) {
                String what = s + " on " + backend.name();
                Result r = run(backend, s, in);
                assertArrayEquals(expected, r.kept, what);
                for (float w : r.weight) assertEquals(1f / topK, w, 1e-6f, what + ": weight");
                r.assertClose(naive, what, false);
                // keys above topK are kept by no query (query j <= topK keeps 0..topK without itself)
                for (int seq = 0; seq < s.seqs; seq++) {
                    for (int j = topK + 1; j < length; j++) {
                        for (int c = 0; c < width; c++) {
                            int at = (seq * length + j) * width + c;
                            assertEquals(0, Float.floatToRawIntBits(r.dK[at]), what + ": gradK of unkept key " + j);
                            assertEquals(0, Float.floatToRawIntBits(r.dV[at]), what + ": gradV of unkept key " + j);
                        }
                    }
                }
            }
        }
    }

    /**
     * Two identical keys (1 and 4) above all others: with K = 1 every query keeps key 1, except query 1 itself,
     * which keeps key 4; the other keys get exactly zero gradK and gradV. Every K matches the float64 top-k.
     */
    @Test
    void duplicateKeysKeepTheLowerIndex() {
        int length = 6, heads = 1, headDim = 8;
        Shape base = new Shape(1, length, heads, headDim, 1);
        SplittableRandom rnd = new SplittableRandom(77);
        float[] q = new float[base.tokens()], k = new float[base.tokens()];
        for (int i = 0; i < q.length; i++) {
            q[i] = (float) (0.5 + rnd.nextDouble());
            k[i] = (float) (0.3 * rnd.nextDouble() - 0.15);
        }
        for (int d = 0; d < headDim; d++) k[headDim + d] = k[4 * headDim + d] = (float) (1 + 0.1 * d);
        Inputs in = new Inputs(q, k, gaussians(rnd, q.length), gaussians(rnd, q.length));
        for (int topK = 1; topK < length; topK++) {
            Shape s = base.withTopK(topK);
            NaiveAttention naive = s.naive(in);
            for (Backend backend : BACKENDS) {
                String what = s + " on " + backend.name();
                Result r = run(backend, s, in);
                r.assertClose(naive, what);
                if (topK == 1) {
                    assertArrayEquals(new int[] {1, 4, 1, 1, 1, 1}, r.kept, what);
                    for (int j : new int[] {0, 2, 3, 5}) {
                        for (int d = 0; d < headDim; d++) {
                            assertEquals(0, Float.floatToRawIntBits(r.dK[j * headDim + d]), what + ": gradK of " + j);
                            assertEquals(0, Float.floatToRawIntBits(r.dV[j * headDim + d]), what + ": gradV of " + j);
                        }
                    }
                }
            }
        }
    }

    /** A NaN score ranks above every number: a key with a NaN in it is kept by every other query, on every backend. */
    @Test
    void nanScoresAreKeptFirst() {
        Shape s = new Shape(1, 5, 1, 3, 2);
        Inputs random = Inputs.gaussian(s, 31);
        float[] k = random.k.clone();
        k[3 * 3 + 1] = Float.NaN; // key 3
        Inputs in = new Inputs(random.q, k, random.v, random.dOut);
        Result expected = run(SCALAR, s, in);
        for (int i = 0; i < s.length; i++) {
            if (i == 3) continue;
            assertTrue(expected.kept[2 * i] == 3 || expected.kept[2 * i + 1] == 3, "query " + i + " keeps key 3");
        }
        for (Backend backend : VECTOR) {
            Result r = run(backend, s, in);
            assertArrayEquals(expected.kept, r.kept, backend.name());
            assertArrayEquals(expected.out, r.out, backend.name());
        }
    }

    /**
     * The vector backend computes the reference's sums in the reference's order (dot products as one lane per key,
     * weighted sums as one lane per column), so it gives the reference's bits, on one thread or two, on shapes
     * with and without vector tails; this is what keeps the selection the same whatever the backend.
     */
    @Test
    void vectorGivesTheReferenceBits() {
        long seed = 2000;
        int[][] shapes = {
                // seqs, length, heads, headDim
                {16, 30, 8, 64}, {3, 1, 2, 16}, {4, 17, 3, 33}, {2, 33, 2, 100}, {2, 100, 1, 16}, {2, 9, 2, 256},
                {5, 10, 4, 7}, {1, 2, 1, 1}};
        for (int[] shape : shapes) {
            int length = shape[1];
            for (int topK : new int[] {1, 2, length - 1, length + 3}) {
                if (topK < 1) continue;
                Shape s = new Shape(shape[0], length, shape[2], shape[3], topK);
                Inputs in = Inputs.gaussian(s, seed++);
                Result expected = run(SCALAR, s, in);
                for (Backend backend : VECTOR) {
                    Result r = run(backend, s, in);
                    String what = s + " on " + backend.name();
                    assertArrayEquals(expected.kept, r.kept, what + ": kept");
                    for (float[][] pair : List.of(new float[][] {expected.out, r.out}, new float[][] {expected.dQ, r.dQ},
                            new float[][] {expected.dK, r.dK}, new float[][] {expected.dV, r.dV})) {
                        double error = TestBuffers.relativeError(pair[1], pair[0]);
                        assertTrue(error < TOL, what + ": relative error " + error);
                    }
                    r.assertSameBits(expected, what);
                }
            }
        }
    }

    private static float[] gaussians(SplittableRandom rnd, int n) {
        float[] x = new float[n];
        for (int i = 0; i < n; i++) {
            double u = rnd.nextDouble(), v = rnd.nextDouble();
            x[i] = (float) (Math.sqrt(-2 * Math.log(1 - u)) * Math.cos(2 * Math.PI * v));
        }
        return x;
    }
}
