package modarch.backend;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.lang.management.ManagementFactory;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.SplittableRandom;
import modarch.backend.cpu.Parallel;
import modarch.backend.cpu.ScalarBackend;
import modarch.backend.cpu.VectorBackend;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Test;

/** VectorBackend against the scalar reference on fresh random inputs, relative error under 1e-5. */
class VectorBackendTest {

    private static final int[] SIZES = {1, 2, 5, 16, 17, 33, 64, 96, 129, 256, 513};
    private static final int[] SMALL = {1, 2, 5, 16, 17, 33};
    /** Fills A, B and C outside the views: reading it would show as NaN, writing it as a changed value. */
    private static final float OUTSIDE = Float.NaN;

    private static final Backend REF = new ScalarBackend();
    private static final Parallel TWO = new Parallel(2);
    private static final VectorBackend SERIAL = new VectorBackend(new Parallel(1));
    private static final VectorBackend PARALLEL = new VectorBackend(TWO);

    @AfterAll
    static void closePool() {
        TWO.close();
    }

    /** One gemm call: shape, transposes, epilogue flags and the sub-matrix views' offsets and strides. */
    private record Case(boolean transA, boolean transB, int m, int n, int k,
                        boolean accumulate, boolean bias, boolean relu, int pad, int off) {

        int lda() {
            return (transA ? m : k) + pad;
        }

        int ldb() {
            return (transB ? k : n) + pad;
        }

        int ldc() {
            return n + pad;
        }

        int aSize() {
            return off + (transA ? k : m) * lda();
        }

        int bSize() {
            return off + (transB ? n : k) * ldb();
        }

        int cSize() {
            return off + m * ldc();
        }

        /** Runs the case on backend with inputs made from seed; returns C (whole array, padding included). */
        float[] run(Backend backend, long seed) {
            SplittableRandom rnd = new SplittableRandom(seed);
            float[] a = view(rnd, aSize(), off, transA ? k : m, transA ? m : k, lda());
            float[] b = view(rnd, bSize(), off, transB ? n : k, transB ? k : n, ldb());
            float[] c = view(rnd, cSize(), off, m, n, ldc());
            float[] biasArr = null;
            if (bias) biasArr = gaussian(rnd, n + off);
            backend.gemm(transA, transB, m, n, k, a, off, lda(), b, off, ldb(), c, off, ldc(),
                    accumulate, biasArr, off, relu);
            return c;
        }

        @Override
        public String toString() {
            return (transA ? "T" : "N") + (transB ? "T" : "N") + " m=" + m + " n=" + n + " k=" + k
                    + (accumulate ? " acc" : "") + (bias ? " bias" : "") + (relu ? " relu" : "")
                    + " pad=" + pad + " off=" + off;
        }
    }

    @Test
    void gemmSmallShapesEveryTransposeAndEpilogue() {
        SplittableRandom pick = new SplittableRandom(1);
        List<Case> cases = new ArrayList<>();
        for (int m : SMALL) {
            for (int n : SMALL) {
                for (int k : SMALL) {
                    for (int t = 0; t < 4; t++) {
                        int flags = pick.nextInt(8);
                        cases.add(new Case((t & 1) != 0, (t & 2) != 0, m, n, k, (flags & 1) != 0, (flags & 2) != 0,
                                (flags & 4) != 0, pick.nextInt(3) * 3, pick.nextInt(5)));
                    }
                }
            }
        }
        checkAll(cases, 10);
    }

    @Test
    void gemmLargerShapesIncludingOddOnes() {
        SplittableRandom pick = new SplittableRandom(2);
        List<Case> cases = new ArrayList<>();
        for (int i = 0; i < 60; i++) {
            int m = SIZES[pick.nextInt(SIZES.length)], n = SIZES[pick.nextInt(SIZES.length)];
            int k = SIZES[pick.nextInt(SIZES.length)];
            if ((long) m * n * k > 20_000_000L) continue;
            int flags = pick.nextInt(8);
            cases.add(new Case(pick.nextBoolean(), pick.nextBoolean(), m, n, k, (flags & 1) != 0, (flags & 2) != 0,
                    (flags & 4) != 0, pick.nextInt(2) * 5, pick.nextInt(4)));
        }
        checkAll(cases, 20);
    }

    /**
     * The shapes of a batch-256 modular MLP step: forward and dX (NN, NT), dW (TN with k = 256), the per-module
     * score units (n = 1) and their gradients (k = 1).
     */
    @Test
    void gemmTrainingShapes() {
        List<Case> cases = new ArrayList<>();
        boolean[][] transposes = {{false, false}, {false, true}, {true, false}, {true, true}};
        int[][] shapes = {{256, 513, 64}, {256, 384, 512}, {256, 256, 256}, {512, 16, 128}, {256, 32, 96},
                {129, 513, 256}, {5, 513, 1}, {513, 33, 129}, {256, 1, 128}, {128, 1, 256}, {256, 128, 1}};
        for (int[] s : shapes) {
            for (boolean[] t : transposes) {
                cases.add(new Case(t[0], t[1], s[0], s[1], s[2], true, true, true, 3, 1));
                cases.add(new Case(t[0], t[1], s[0], s[1], s[2], false, false, false, 0, 0));
            }
        }
        checkAll(cases, 30);
    }

    /** k beyond one k block (several passes over C) and n beyond one column block of packed B. */
    @Test
    void gemmBlockedOverKAndN() {
        List<Case> cases = List.of(
                new Case(false, false, 17, 70, 1100, true, true, true, 2, 3),
                new Case(true, true, 33, 100, 1025, false, true, true, 0, 0),
                new Case(false, true, 33, 600, 512, true, false, false, 1, 0),
                new Case(true, false, 13, 1100, 300, false, true, false, 0, 2));
        checkAll(cases, 40);
    }

    @Test
    void gemmWithZeroK() {
        checkAll(List.of(new Case(false, false, 7, 19, 0, true, true, true, 2, 1),
                new Case(true, true, 3, 40, 0, false, true, false, 0, 0)), 50);
    }

    /** Same call twice, on one and on two threads (split by rows, or by columns for m = 7): identical bits. */
    @Test
    void gemmIsDeterministic() {
        for (Case c : List.of(new Case(false, false, 256, 513, 64, true, true, true, 0, 0),
                new Case(true, false, 384, 256, 256, true, false, false, 2, 1),
                new Case(false, true, 96, 33, 512, false, true, true, 0, 0),
                new Case(false, true, 7, 600, 300, true, true, false, 1, 0),
                // shared packed B: several k blocks, a narrow last panel, odd rows
                new Case(false, true, 257, 131, 700, true, true, true, 3, 2),
                new Case(true, false, 100, 70, 300, false, false, false, 0, 0),
                // op(B) too large to share (k * n over 4M floats): packed per thread
                new Case(false, true, 40, 2050, 2100, false, false, false, 0, 0))) {
            float[] first = c.run(PARALLEL, 60);
            assertArrayEquals(first, c.run(PARALLEL, 60), c.toString());
            assertArrayEquals(first, c.run(SERIAL, 60), c + " one thread vs two");
        }
    }

    @Test
    void reluBackwardMatches() {
        SplittableRandom rnd = new SplittableRandom(70);
        for (int[] s : new int[][] {{1, 1}, {3, 17}, {256, 513}, {5, 64}}) {
            int m = s[0], n = s[1], pad = 3, off = 2;
            float[] y = gaussian(rnd, off + m * (n + pad));
            for (int i = 0; i < y.length; i += 7) y[i] = 0f;
            float[] d = gaussian(rnd, off + m * (n + pad + 1));
            float[] expected = d.clone();
            REF.reluBackward(m, n, y, off, n + pad, expected, off, n + pad + 1);
            PARALLEL.reluBackward(m, n, y, off, n + pad, d, off, n + pad + 1);
            assertArrayEquals(expected, d, m + "x" + n);
        }
    }

    @Test
    void columnSumAccumulateMatches() {
        SplittableRandom rnd = new SplittableRandom(80);
        for (int[] s : new int[][] {{1, 1}, {3, 17}, {256, 513}, {7, 64}, {256, 80}}) {
            int m = s[0], n = s[1], ldx = n + 5, off = 3;
            float[] x = gaussian(rnd, off + m * ldx);
            float[] sum = gaussian(rnd, n + 2);
            float[] expected = sum.clone();
            REF.columnSumAccumulate(m, n, x, off, ldx, expected, 2);
            PARALLEL.columnSumAccumulate(m, n, x, off, ldx, sum, 2);
            assertArrayEquals(expected, sum, m + "x" + n);
        }
    }

    @Test
    void addIntoMatches() {
        SplittableRandom rnd = new SplittableRandom(85);
        for (int[] s : new int[][] {{1, 1}, {3, 17}, {256, 513}, {7, 64}}) {
            int m = s[0], n = s[1], lds = n + 3, ldd = n + 1;
            float[] src = gaussian(rnd, 2 + m * lds);
            float[] dst = gaussian(rnd, 1 + m * ldd);
            float[] expected = dst.clone();
            REF.addInto(m, n, src, 2, lds, expected, 1, ldd);
            PARALLEL.addInto(m, n, src, 2, lds, dst, 1, ldd);
            assertArrayEquals(expected, dst, m + "x" + n);
        }
    }

    @Test
    void scaleBlocksMatches() {
        SplittableRandom rnd = new SplittableRandom(86);
        for (int[] s : new int[][] {{1, 1, 1}, {3, 8, 17}, {256, 8, 64}, {5, 3, 40}}) {
            int m = s[0], blocks = s[1], w = s[2];
            float[] src = gaussian(rnd, 3 + m * blocks * w), scale = gaussian(rnd, 1 + m * blocks);
            float[] dst = gaussian(rnd, 2 + m * blocks * w);
            float[] expected = dst.clone();
            REF.scaleBlocks(m, blocks, w, src, 3, scale, 1, expected, 2);
            PARALLEL.scaleBlocks(m, blocks, w, src, 3, scale, 1, dst, 2);
            assertArrayEquals(expected, dst, m + "x" + blocks + "x" + w);
        }
    }

    /** Large updates are split across the pool: the same bits on one thread and on two. */
    @Test
    void adamUpdateIsDeterministic() {
        SplittableRandom rnd = new SplittableRandom(95);
        for (int n : new int[] {16 * 1024 - 1, 16 * 1024 + 7, 262_144 + 3}) {
            float[] param = gaussian(rnd, n), m = gaussian(rnd, n), v = new float[n];
            for (int i = 0; i < n; i++) v[i] = Math.abs(param[(i * 7) % n]);
            float[] grad = gaussian(rnd, n);
            float[] p1 = param.clone(), m1 = m.clone(), v1 = v.clone();
            SERIAL.adamUpdate(n, p1, grad, m1, v1, 0.9f, 0.999f, 1e-8f, 1e-3, 0.05);
            PARALLEL.adamUpdate(n, param, grad, m, v, 0.9f, 0.999f, 1e-8f, 1e-3, 0.05);
            assertArrayEquals(p1, param, "param, n=" + n);
            assertArrayEquals(m1, m, "m, n=" + n);
            assertArrayEquals(v1, v, "v, n=" + n);
        }
    }

    @Test
    void adamUpdateMatches() {
        SplittableRandom rnd = new SplittableRandom(90);
        for (int n : new int[] {1, 15, 16, 100, 4099, 40_000}) {
            float[] param = gaussian(rnd, n), m = new float[n], v = new float[n];
            float[] refParam = param.clone(), refM = m.clone(), refV = v.clone();
            float beta1 = 0.9f, beta2 = 0.999f, eps = 1e-8f;
            double lr = 1e-4;
            for (int t = 1; t <= 5; t++) {
                float[] grad = gaussian(rnd, n);
                double stepSize = lr / (1 - Math.pow(beta1, t));
                double correction = Math.sqrt(1 - Math.pow(beta2, t));
                REF.adamUpdate(n, refParam, grad, refM, refV, beta1, beta2, eps, stepSize, correction);
                PARALLEL.adamUpdate(n, param, grad, m, v, beta1, beta2, eps, stepSize, correction);
            }
            assertArrayEquals(refM, m, "m, n=" + n);
            assertArrayEquals(refV, v, "v, n=" + n);
            for (int i = 0; i < n; i++) {
                assertEquals(refParam[i], param[i], 1e-6 * Math.abs(refParam[i]), "param " + i + ", n=" + n);
            }
        }
    }

    /** Once compiled, gemm (serial and parallel) and the other ops allocate nothing, on any thread of the pool. */
    @Test
    void callsAllocateNothingOnceWarm() {
        int m = 96, n = 80, k = 160;
        SplittableRandom rnd = new SplittableRandom(100);
        float[] a = gaussian(rnd, m * k), b = gaussian(rnd, k * n), c = new float[m * n], bias = gaussian(rnd, n);
        float[] sum = new float[n], p = gaussian(rnd, m * n), g = gaussian(rnd, m * n), mo = new float[m * n];
        float[] ve = new float[m * n];
        int big = 40_000; // split across the pool
        float[] bigP = gaussian(rnd, big), bigG = gaussian(rnd, big), bigM = new float[big], bigV = new float[big];
        Runnable step = () -> {
            PARALLEL.gemm(false, false, m, n, k, a, 0, k, b, 0, n, c, 0, n, false, bias, 0, true);
            PARALLEL.gemm(false, true, m, k, n, c, 0, n, b, 0, n, a, 0, k, false, null, 0, false);
            PARALLEL.gemm(true, false, k, n, m, a, 0, k, c, 0, n, b, 0, n, true, null, 0, false);
            SERIAL.gemm(true, true, 5, 33, 17, a, 0, 5, b, 0, 17, c, 0, 33, true, bias, 0, false);
            PARALLEL.gemm(false, false, m, 1, k, a, 0, k, b, 0, n, c, 0, n, true, bias, 0, false);
            PARALLEL.reluBackward(m, n, c, 0, n, p, 0, n);
            PARALLEL.columnSumAccumulate(m, n, c, 0, n, sum, 0);
            PARALLEL.adamUpdate(m * n, p, g, mo, ve, 0.9f, 0.999f, 1e-8f, 1e-4, 0.5);
            PARALLEL.adamUpdate(bigP.length, bigP, bigG, bigM, bigV, 0.9f, 0.999f, 1e-8f, 1e-4, 0.5);
            PARALLEL.addInto(m, n, c, 0, n, p, 0, n);
            PARALLEL.scaleBlocks(m, 5, 16, c, 0, g, 0, p, 0);
        };
        com.sun.management.ThreadMXBean threads = (com.sun.management.ThreadMXBean) ManagementFactory.getThreadMXBean();
        step.run();
        long[] ids = Thread.getAllStackTraces().keySet().stream()
                .filter(t -> t == Thread.currentThread() || t.getName().startsWith("modarch-parallel"))
                .mapToLong(Thread::getId).toArray();
        long allocated = -1;
        long deadline = System.nanoTime() + 60_000_000_000L; // generous: CI machines may be loaded
        // the Vector API allocates until C2 has compiled the kernels: wait for a clean window
        while (allocated != 0 && System.nanoTime() < deadline) {
            long before = total(threads, ids);
            for (int i = 0; i < 50; i++) step.run();
            allocated = total(threads, ids) - before;
        }
        assertEquals(0, allocated, "bytes allocated by 50 warm steps");
    }

    private static long total(com.sun.management.ThreadMXBean threads, long[] ids) {
        long sum = 0;
        for (long id : ids) sum += threads.getThreadAllocatedBytes(id);
        return sum;
    }

    /** Each case on one and two threads against the reference; the padding of C must be untouched. */
    private static void checkAll(List<Case> cases, long seed) {
        for (Case c : cases) {
            float[] ref = c.run(REF, seed);
            for (VectorBackend backend : new VectorBackend[] {SERIAL, PARALLEL}) {
                float[] out = c.run(backend, seed);
                assertClose(c, ref, out);
            }
            seed++;
        }
    }

    private static void assertClose(Case c, float[] ref, float[] out) {
        double diff = 0, norm = 0;
        for (int i = 0; i < c.m; i++) {
            for (int j = 0; j < c.n; j++) {
                int idx = c.off + i * c.ldc() + j;
                diff += sq(out[idx] - ref[idx]);
                norm += sq(ref[idx]);
            }
        }
        double rel = norm == 0 ? Math.sqrt(diff) : Math.sqrt(diff / norm);
        assertTrue(rel < 1e-5, c + ": relative error " + rel);
        for (int i = 0; i < ref.length; i++) {
            int row = (i - c.off) / c.ldc(), col = (i - c.off) % c.ldc();
            boolean inside = i >= c.off && row < c.m && col < c.n;
            if (!inside) assertEquals(Float.floatToRawIntBits(OUTSIDE), Float.floatToRawIntBits(out[i]), c + ": wrote outside C at " + i);
        }
    }

    private static double sq(double x) {
        return x * x;
    }

    /** An array of size floats: a rows x cols view at off with row stride ld gets N(0,1) values, the rest NaN. */
    private static float[] view(SplittableRandom rnd, int size, int off, int rows, int cols, int ld) {
        float[] x = new float[size];
        Arrays.fill(x, OUTSIDE);
        for (int i = 0; i < rows; i++) {
            for (int j = 0; j < cols; j++) x[off + i * ld + j] = (float) gaussian(rnd);
        }
        return x;
    }

    private static float[] gaussian(SplittableRandom rnd, int n) {
        float[] x = new float[n];
        for (int i = 0; i < n; i++) x[i] = (float) gaussian(rnd);
        return x;
    }

    private static double gaussian(SplittableRandom rnd) {
        double u = rnd.nextDouble(), v = rnd.nextDouble();
        return Math.sqrt(-2 * Math.log(1 - u)) * Math.cos(2 * Math.PI * v);
    }
}
