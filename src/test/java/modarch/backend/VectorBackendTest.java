package modarch.backend;

import static modarch.TestBuffers.of;
import static modarch.TestBuffers.ofInts;
import static modarch.TestBuffers.read;
import static modarch.TestBuffers.readInts;
import static modarch.TestBuffers.relativeError;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import modarch.backend.ops.AttentionBackward;
import modarch.backend.ops.AttentionForward;
import java.util.Arrays;
import java.util.List;
import java.util.SplittableRandom;
import modarch.TestBuffers;
import modarch.backend.cpu.Parallel;
import modarch.backend.cpu.ScalarBackend;
import modarch.backend.cpu.VectorBackend;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.function.Executable;

/**
 * VectorBackend against the scalar reference on fresh random inputs: relative error under 1e-5, or bit for bit
 * where the op is delegated or exact by construction. Every operand lives in a buffer whose elements outside the
 * views are NaN: reading them shows as NaN in the result, writing them as a changed value. Outputs are also run
 * with a finite {@link #GUARD} outside, which shows a write of NaN there.
 */
class VectorBackendTest {

    private static final int[] SIZES = {1, 2, 5, 16, 17, 33, 64, 96, 129, 256, 513};
    private static final int[] SMALL = {1, 2, 5, 16, 17, 33};
    /** Fills every buffer outside its views: reading it would show as NaN, writing it as a changed value. */
    private static final float OUTSIDE = Float.NaN;
    /**
     * The second filling of outputs outside their views: finite, so a write there shows even when the value written
     * is NaN (read from outside an input), and large, so reading it shows inside.
     */
    private static final float GUARD = 12345.5f;
    /** Floats of NaN after the last item of every operand. */
    private static final int MARGIN = 3;

    private static final Backend REF = new ScalarBackend();
    private static final Parallel ONE = new Parallel(1);
    private static final Parallel TWO = new Parallel(2);
    private static final VectorBackend SERIAL = new VectorBackend(ONE);
    private static final VectorBackend PARALLEL = new VectorBackend(TWO);
    private static final Backend[] VECTOR = {SERIAL, PARALLEL};

    @AfterAll
    static void closePools() {
        ONE.close();
        TWO.close();
    }

    /** batch items of a (rows, cols) block with row stride ld, item i at off + i * stride (0: one shared item). */
    private record Block(int batch, int off, int rows, int cols, int ld, int stride) {

        int size() {
            return off + (batch - 1) * stride + rows * ld + MARGIN;
        }

        /** A NaN-filled array of size() floats, N(0,1) inside every item. */
        float[] array(SplittableRandom rnd) {
            float[] x = new float[size()];
            Arrays.fill(x, OUTSIDE);
            for (int item = 0; item < batch; item++) {
                for (int i = 0; i < rows; i++) {
                    for (int j = 0; j < cols; j++) x[at(item, i, j)] = (float) gaussian(rnd);
                }
            }
            return x;
        }

        int at(int item, int i, int j) {
            return off + item * stride + i * ld + j;
        }

        boolean[] inside() {
            boolean[] in = new boolean[size()];
            for (int item = 0; item < batch; item++) {
                for (int i = 0; i < rows; i++) {
                    for (int j = 0; j < cols; j++) in[at(item, i, j)] = true;
                }
            }
            return in;
        }
    }

    /** One item of len contiguous floats at off. */
    private static Block vec(int off, int len) {
        return new Block(1, off, 1, len, len, 0);
    }

    /**
     * One gemmBatched call: shape, transposes, epilogue flags, the views' offset, row padding and gap between items,
     * and which operands are shared by all items (stride 0).
     */
    private record Gemm(int batch, boolean transA, boolean transB, int m, int n, int k,
                        boolean accumulate, boolean bias, boolean relu, int pad, int off, int gap,
                        boolean shareA, boolean shareB, boolean shareBias) {

        int lda() {
            return (transA ? m : k) + pad;
        }

        int ldb() {
            return (transB ? k : n) + pad;
        }

        int ldc() {
            return n + pad;
        }

        Block a() {
            int rows = transA ? k : m;
            return new Block(batch, off, rows, transA ? m : k, lda(), shareA ? 0 : rows * lda() + gap);
        }

        Block b() {
            int rows = transB ? n : k;
            return new Block(batch, off, rows, transB ? k : n, ldb(), shareB ? 0 : rows * ldb() + gap);
        }

        Block c() {
            return new Block(batch, off, m, n, ldc(), m * ldc() + gap);
        }

        Block biasBlock() {
            return new Block(batch, off, 1, n, n, shareBias ? 0 : n + gap);
        }

        /** A, B, C and bias (null when absent) made from seed; C is NaN outside its items, or GUARD for odd seeds. */
        float[][] inputs(long seed) {
            SplittableRandom rnd = new SplittableRandom(seed);
            float[] a = a().array(rnd), b = b().array(rnd), c = c().array(rnd);
            if (seed % 2 != 0) c = withMargin(c, c().inside(), GUARD);
            return new float[][] {a, b, c, bias ? biasBlock().array(rnd) : null};
        }

        /** Runs the call on backend (gemm when batch is 1); returns C, whole, margins included. */
        float[] run(Backend backend, long seed) {
            return run(backend, seed, false);
        }

        /** With itemByItem, runs one gemm per item instead of one batched call. */
        float[] run(Backend backend, long seed, boolean itemByItem) {
            float[][] in = inputs(seed);
            try (FloatBuf a = of(backend, in[0]); FloatBuf b = of(backend, in[1]); FloatBuf c = of(backend, in[2]);
                 FloatBuf biasBuf = in[3] == null ? null : of(backend, in[3])) {
                Block ab = a(), bb = b(), cb = c(), biasB = biasBlock();
                if (itemByItem) {
                    for (int i = 0; i < batch; i++) {
                        backend.run(TestOps.gemm(transA, transB, m, n, k, a, off + i * ab.stride(), lda(), b,
                                off + i * bb.stride(), ldb(), c, off + i * cb.stride(), ldc(), accumulate, biasBuf,
                                off + i * biasB.stride(), relu));
                    }
                } else if (batch == 1) {
                    backend.run(TestOps.gemm(transA, transB, m, n, k, a, off, lda(), b, off, ldb(), c, off, ldc(),
                            accumulate, biasBuf, off, relu));
                } else {
                    backend.run(TestOps.gemmBatched(batch, transA, transB, m, n, k, a, off, lda(), ab.stride(),
                            b, off, ldb(), bb.stride(), c, off, ldc(), cb.stride(),
                            accumulate, biasBuf, off, biasB.stride(), relu));
                }
                return read(backend, c);
            }
        }

        @Override
        public String toString() {
            return "batch=" + batch + " " + (transA ? "T" : "N") + (transB ? "T" : "N") + " m=" + m + " n=" + n
                    + " k=" + k + (accumulate ? " acc" : "") + (bias ? " bias" : "") + (relu ? " relu" : "")
                    + " pad=" + pad + " off=" + off + " gap=" + gap + (shareA ? " sharedA" : "")
                    + (shareB ? " sharedB" : "") + (shareBias ? " sharedBias" : "");
        }
    }

    /** A single gemm (batch 1), as the pre-batched tests described it. */
    private static Gemm one(boolean transA, boolean transB, int m, int n, int k,
                            boolean accumulate, boolean bias, boolean relu, int pad, int off) {
        return new Gemm(1, transA, transB, m, n, k, accumulate, bias, relu, pad, off, 0, false, false, false);
    }

    @Test
    void gemmSmallShapesEveryTransposeAndEpilogue() {
        SplittableRandom pick = new SplittableRandom(1);
        List<Gemm> cases = new ArrayList<>();
        for (int m : SMALL) {
            for (int n : SMALL) {
                for (int k : SMALL) {
                    for (int t = 0; t < 4; t++) {
                        int flags = pick.nextInt(8);
                        cases.add(one((t & 1) != 0, (t & 2) != 0, m, n, k, (flags & 1) != 0, (flags & 2) != 0,
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
        List<Gemm> cases = new ArrayList<>();
        for (int i = 0; i < 60; i++) {
            int m = SIZES[pick.nextInt(SIZES.length)], n = SIZES[pick.nextInt(SIZES.length)];
            int k = SIZES[pick.nextInt(SIZES.length)];
            if ((long) m * n * k > 20_000_000L) continue;
            int flags = pick.nextInt(8);
            cases.add(one(pick.nextBoolean(), pick.nextBoolean(), m, n, k, (flags & 1) != 0, (flags & 2) != 0,
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
        List<Gemm> cases = new ArrayList<>();
        boolean[][] transposes = {{false, false}, {false, true}, {true, false}, {true, true}};
        int[][] shapes = {{256, 513, 64}, {256, 384, 512}, {256, 256, 256}, {512, 16, 128}, {256, 32, 96},
                {129, 513, 256}, {5, 513, 1}, {513, 33, 129}, {256, 1, 128}, {128, 1, 256}, {256, 128, 1}};
        for (int[] s : shapes) {
            for (boolean[] t : transposes) {
                cases.add(one(t[0], t[1], s[0], s[1], s[2], true, true, true, 3, 1));
                cases.add(one(t[0], t[1], s[0], s[1], s[2], false, false, false, 0, 0));
            }
        }
        checkAll(cases, 30);
    }

    /** k beyond one k block (several passes over C) and n beyond one column block of packed B. */
    @Test
    void gemmBlockedOverKAndN() {
        List<Gemm> cases = List.of(
                one(false, false, 17, 70, 1100, true, true, true, 2, 3),
                one(true, true, 33, 100, 1025, false, true, true, 0, 0),
                one(false, true, 33, 600, 512, true, false, false, 1, 0),
                one(true, false, 13, 1100, 300, false, true, false, 0, 2));
        checkAll(cases, 40);
    }

    @Test
    void gemmWithZeroK() {
        checkAll(List.of(one(false, false, 7, 19, 0, true, true, true, 2, 1),
                one(true, true, 3, 40, 0, false, true, false, 0, 0)), 50);
    }

    /** Same call twice, on one and on two threads (split by rows, or by columns for m = 7): identical bits. */
    @Test
    void gemmIsDeterministic() {
        for (Gemm c : List.of(one(false, false, 256, 513, 64, true, true, true, 0, 0),
                one(true, false, 384, 256, 256, true, false, false, 2, 1),
                one(false, true, 96, 33, 512, false, true, true, 0, 0),
                one(false, true, 7, 600, 300, true, true, false, 1, 0),
                // shared packed B: several k blocks, a narrow last panel, odd rows
                one(false, true, 257, 131, 700, true, true, true, 3, 2),
                one(true, false, 100, 70, 300, false, false, false, 0, 0),
                // op(B) too large to share (k * n over 4M floats): packed per thread
                one(false, true, 40, 2050, 2100, false, false, false, 0, 0))) {
            float[] first = c.run(PARALLEL, 60);
            assertArrayEquals(first, c.run(PARALLEL, 60), c.toString());
            assertArrayEquals(first, c.run(SERIAL, 60), c + " one thread vs two");
        }
    }

    /**
     * Batches of 1, 3 and 8 items, every transpose, with distinct strides (and a NaN gap between items) or one
     * operand shared by all items (stride 0), bias per item or shared, relu and accumulate: small shapes, n = 1
     * (matrix-vector), k = 0, and items large enough for the product itself to go parallel.
     */
    @Test
    void gemmBatchedMatchesReference() {
        SplittableRandom pick = new SplittableRandom(3);
        int[][] shapes = {{5, 17, 33}, {16, 1, 7}, {3, 40, 0}, {33, 64, 129}, {64, 96, 200}};
        List<Gemm> cases = new ArrayList<>();
        int index = 0;
        for (int batch : new int[] {1, 3, 8}) {
            for (int[] s : shapes) {
                for (int t = 0; t < 4; t++) {
                    for (int share = 0; share < 4; share++) {
                        int flags = index++ % 8;
                        int gap = new int[] {0, 1, 4}[pick.nextInt(3)];
                        cases.add(new Gemm(batch, (t & 1) != 0, (t & 2) != 0, s[0], s[1], s[2],
                                (flags & 1) != 0, (flags & 2) != 0 || share == 3, (flags & 4) != 0,
                                pick.nextInt(2) * 3, pick.nextInt(4), gap,
                                share == 1 || share == 3, share == 2 || share == 3, share == 3));
                    }
                }
            }
        }
        checkAll(cases, 200);
    }

    /**
     * On pools of one and two threads, the same bits: 2 and 8 items (and 4) are split whole across the two threads,
     * 1 and 3 run one after another, each product split across the threads. Either way each item also equals, bit
     * for bit, its own gemm call.
     */
    @Test
    void gemmBatchedIsDeterministicAcrossThreadCounts() {
        try (Parallel one = new Parallel(1); Parallel two = new Parallel(2)) {
            VectorBackend serial = new VectorBackend(one), parallel = new VectorBackend(two);
            long seed = 300;
            for (int batch : new int[] {1, 2, 3, 4, 8}) {
                for (Gemm c : List.of(
                        // product parallel by rows, B packed once and shared by the threads
                        new Gemm(batch, false, false, 64, 96, 200, true, true, true, 0, 1, 2, false, false, false),
                        // too few row blocks: parallel by columns; B shared by the items
                        new Gemm(batch, false, true, 7, 600, 300, true, true, false, 1, 0, 0, false, true, false),
                        new Gemm(batch, true, false, 40, 70, 400, false, true, false, 2, 3, 1, true, false, true),
                        // several k blocks
                        new Gemm(batch, true, true, 33, 100, 1025, false, false, true, 0, 0, 5, false, false, false),
                        // matrix-vector
                        new Gemm(batch, false, false, 256, 1, 300, true, true, false, 1, 2, 1, false, true, false))) {
                    float[] first = c.run(parallel, seed);
                    assertArrayEquals(first, c.run(parallel, seed), c + ": two runs on two threads");
                    assertArrayEquals(first, c.run(serial, seed), c + ": one thread vs two");
                    assertArrayEquals(first, c.run(parallel, seed, true), c + ": batched vs item by item");
                    assertCloseInside(c.toString(), c.run(REF, seed), first, c.c().inside(), c.inputs(seed)[2]);
                    seed++;
                }
            }
        }
    }

    @Test
    void reluBackwardMatches() {
        SplittableRandom rnd = new SplittableRandom(70);
        for (int[] s : new int[][] {{1, 1}, {3, 17}, {256, 513}, {5, 64}, {2048, 130}}) {
            int m = s[0], n = s[1], pad = 3, off = 2;
            float[] y = new Block(1, off, m, n, n + pad, 0).array(rnd);
            for (int i = 0; i < y.length; i += 7) if (!Float.isNaN(y[i])) y[i] = 0f;
            Block dB = new Block(1, off, m, n, n + pad + 1, 0);
            checkExact(m + "x" + n, dB.array(rnd), dB.inside(),
                    (be, out, in) -> be.run(TestOps.reluBackward(m, n, in.of(y), off, n + pad, out, off, n + pad + 1)));
        }
    }

    /** Batched, with items apart, and interleaved (item stride 1 inside a row, as the per-module score biases). */
    @Test
    void columnSumAccumulateMatches() {
        SplittableRandom rnd = new SplittableRandom(80);
        for (int[] s : new int[][] {{1, 1, 1}, {3, 17, 1}, {256, 513, 1}, {7, 64, 3}, {256, 80, 2}, {5, 33, 8},
                {256, 80, 5}, {7, 1, 3}, {256, 1, 5}}) {
            int m = s[0], n = s[1], batch = s[2], off = 3;
            for (boolean interleaved : new boolean[] {false, true}) {
                if (interleaved && n > 1) continue;
                Block xB = interleaved ? new Block(batch, off, m, 1, batch + 2, 1)
                        : new Block(batch, off, m, n, n + 5, m * (n + 5) + 1);
                Block sumB = new Block(batch, 2, 1, n, n, n + (interleaved ? 4 : 1));
                float[] x = xB.array(rnd), sum = sumB.array(rnd);
                String what = batch + "x" + m + "x" + n + (interleaved ? " interleaved" : "");
                float[] expected = checkExact(what, sum, sumB.inside(), (be, out, in) -> be.run(TestOps.columnSumAccumulate(batch,
                        m, n, in.of(x), off, xB.ld(), xB.stride(), out, 2, sumB.stride())));
                for (int item = 0; item < batch; item++) {
                    for (int j = 0; j < n; j++) {
                        double want = sum[sumB.at(item, 0, j)];
                        for (int i = 0; i < m; i++) want += x[xB.at(item, i, j)];
                        assertEquals(want, expected[sumB.at(item, 0, j)], 1e-4 * (1 + Math.abs(want)), what);
                    }
                }
            }
        }
    }

    /** Batched copies and sums, items apart or one source shared by all (stride 0); exact. */
    @Test
    void copyAndAddIntoMatch() {
        SplittableRandom rnd = new SplittableRandom(85);
        for (int[] s : new int[][] {{1, 1, 1}, {1, 3, 17}, {1, 256, 513}, {3, 7, 64}, {4, 5, 33}, {2, 1, 300}}) {
            int batch = s[0], m = s[1], n = s[2], lds = n + 3, ldd = n + 1;
            for (boolean sharedSrc : new boolean[] {false, true}) {
                Block srcB = new Block(batch, 2, m, n, lds, sharedSrc ? 0 : m * lds + 2);
                Block dstB = new Block(batch, 1, m, n, ldd, m * ldd + 3);
                float[] src = srcB.array(rnd), dst = dstB.array(rnd);
                String what = batch + "x" + m + "x" + n + (sharedSrc ? " shared src" : "");
                float[] copied = checkExact(what + " copy", dst, dstB.inside(), (be, out, in) -> be.run(TestOps.copy(batch,
                        m, n, in.of(src), 2, lds, srcB.stride(), out, 1, ldd, dstB.stride())));
                float[] added = checkExact(what + " addInto", dst, dstB.inside(), (be, out, in) -> be.run(TestOps.addInto(
                        batch, m, n, in.of(src), 2, lds, srcB.stride(), out, 1, ldd, dstB.stride())));
                for (int item = 0; item < batch; item++) {
                    for (int i = 0; i < m; i++) {
                        for (int j = 0; j < n; j++) {
                            float v = src[srcB.at(item, i, j)];
                            assertEquals(v, copied[dstB.at(item, i, j)], what + ": copy");
                            assertEquals(dst[dstB.at(item, i, j)] + v, added[dstB.at(item, i, j)], what + ": add");
                        }
                    }
                }
            }
        }
    }

    @Test
    void fillMatches() {
        for (int[] s : new int[][] {{0, 0}, {1, 0}, {5, 3}, {17, 1}, {100, 7}}) {
            int n = s[0], off = s[1];
            Block xB = vec(off, n);
            float[] expected = checkExact("fill " + n, xB.array(new SplittableRandom(n)), xB.inside(),
                    (be, out, in) -> be.run(TestOps.fill(n, -2.5f, out, off)));
            for (int i = off; i < off + n; i++) assertEquals(-2.5f, expected[i]);
        }
    }

    @Test
    void uploadDownloadAndAllocation() {
        for (Backend backend : new Backend[] {REF, SERIAL, PARALLEL}) {
            try (FloatBuf f = backend.allocFloats(9); IntBuf ints = backend.allocInts(4)) {
                assertEquals(9, f.length());
                assertEquals(4, ints.length());
                assertArrayEquals(new float[9], read(backend, f), "zero-filled floats");
                assertArrayEquals(new int[4], readInts(backend, ints), "zero-filled ints");
                backend.upload(new float[] {9f, 1f, 2f, 3f}, 1, f, 4, 3);
                backend.upload(new int[] {7, 8, 9}, 1, ints, 2, 2);
                assertArrayEquals(new float[] {0, 0, 0, 0, 1, 2, 3, 0, 0}, read(backend, f));
                assertArrayEquals(new int[] {0, 0, 8, 9}, readInts(backend, ints));
                float[] part = {-1f, -1f, -1f, -1f};
                backend.download(f, 5, part, 1, 2);
                assertArrayEquals(new float[] {-1f, 2f, 3f, -1f}, part);
                int[] intPart = {-1, -1, -1};
                backend.download(ints, 3, intPart, 2, 1);
                assertArrayEquals(new int[] {-1, -1, 9}, intPart);
            }
        }
    }

    @Test
    void scaleBlocksMatches() {
        SplittableRandom rnd = new SplittableRandom(86);
        for (int[] s : new int[][] {{1, 1, 1}, {3, 8, 17}, {256, 8, 64}, {5, 3, 40}}) {
            int m = s[0], blocks = s[1], w = s[2];
            float[] src = vec(3, m * blocks * w).array(rnd), scale = vec(1, m * blocks).array(rnd);
            Block dstB = vec(2, m * blocks * w);
            float[] expected = checkExact(m + "x" + blocks + "x" + w, dstB.array(rnd), dstB.inside(),
                    (be, out, in) -> be.run(TestOps.scaleBlocks(m, blocks, w, in.of(src), 3, in.of(scale), 1, out, 2)));
            for (int i = 0; i < m * blocks * w; i++) {
                assertEquals(scale[1 + i / w] * src[3 + i], expected[2 + i], "reference " + i);
            }
        }
    }

    @Test
    void blockDotAccumulateMatches() {
        SplittableRandom rnd = new SplittableRandom(87);
        for (int[] s : new int[][] {{1, 1, 1}, {3, 8, 17}, {64, 5, 16}, {5, 3, 40}, {2048, 8, 16}}) {
            int m = s[0], blocks = s[1], w = s[2];
            float[] x = vec(1, m * blocks * w).array(rnd), y = vec(2, m * blocks * w).array(rnd);
            Block outB = vec(3, m * blocks);
            float[] out0 = outB.array(rnd);
            float[] expected = checkClose(m + "x" + blocks + "x" + w, out0, outB.inside(),
                    (be, out, in) -> be.run(TestOps.blockDotAccumulate(m, blocks, w, in.of(x), 1, in.of(y), 2, out,
                            3)));
            for (int i = 0; i < m * blocks; i++) {
                double dot = 0;
                for (int j = 0; j < w; j++) dot += (double) x[1 + i * w + j] * y[2 + i * w + j];
                assertEquals(out0[3 + i] + dot, expected[3 + i], 1e-4 * (1 + Math.abs(dot)), "reference block " + i);
            }
        }
    }

    /** Forward rows sum to 1 and backward matches y * (dy - y.dy); both exactly as the reference. */
    @Test
    void softmaxMatches() {
        SplittableRandom rnd = new SplittableRandom(88);
        for (int[] s : new int[][] {{1, 1}, {3, 5}, {17, 33}, {64, 16}, {16384, 8}}) {
            int m = s[0], n = s[1];
            float[] x = vec(2, m * n).array(rnd);
            for (int i = 2; i < 2 + m * n; i += 5) x[i] *= 30f; // large logits: the max subtraction matters
            Block yB = vec(1, m * n);
            float[] y = checkExact(m + "x" + n + " forward", yB.array(rnd), yB.inside(),
                    (be, out, in) -> be.run(TestOps.softmaxRows(m, n, in.of(x), 2, out, 1)));
            for (int i = 0; i < m; i++) {
                double sum = 0;
                for (int j = 0; j < n; j++) sum += y[1 + i * n + j];
                assertEquals(1.0, sum, 1e-5, "row " + i + " sums to 1");
            }
            float[] yRows = Arrays.copyOfRange(y, 1, 1 + m * n);
            float[] dy = vec(4, m * n).array(rnd);
            Block dxB = vec(3, m * n);
            float[] dx = checkExact(m + "x" + n + " backward", dxB.array(rnd), dxB.inside(),
                    (be, out, in) -> be.run(TestOps.softmaxRowsBackward(m, n, in.of(yRows), 0, in.of(dy), 4, out, 3)));
            for (int i = 0; i < m; i++) {
                double dot = 0;
                for (int j = 0; j < n; j++) dot += (double) yRows[i * n + j] * dy[4 + i * n + j];
                for (int j = 0; j < n; j++) {
                    double want = yRows[i * n + j] * (dy[4 + i * n + j] - dot);
                    assertEquals(want, dx[3 + i * n + j], 1e-5 * (1 + Math.abs(want)), "backward " + i + "," + j);
                }
            }
        }
    }

    /**
     * L1 and BCE-with-logits on several items, scaled, written or accumulated into a loss buffer at an offset:
     * Vector as Scalar bit for bit, and both as a double computation of the means and gradients.
     */
    @Test
    void lossesMatch() {
        SplittableRandom rnd = new SplittableRandom(89);
        for (int[] s : new int[][] {{1, 1}, {4, 7}, {3, 33}, {5, 100}}) {
            int batch = s[0], n = s[1];
            for (boolean bce : new boolean[] {false, true}) {
                for (boolean accumulate : new boolean[] {false, true}) {
                    float scale = accumulate ? 0.25f : 1f;
                    float[] pred = vec(1, batch * n).array(rnd), target = vec(2, batch * n).array(rnd);
                    for (int i = 0; i < batch * n; i++) {
                        if (bce) target[2 + i] = (i % 3 == 0) ? 0.5f : (target[2 + i] > 0 ? 1f : 0f);
                        else if (i % 4 == 0) target[2 + i] = pred[1 + i]; // sign(0) = 0
                    }
                    Block gradB = vec(3, batch * n), lossB = vec(2, batch);
                    float[] grad0 = gradB.array(rnd), loss0 = lossB.array(rnd);
                    String what = (bce ? "bce" : "l1") + " " + batch + "x" + n + (accumulate ? " acc" : "");
                    // the loss and its gradient: each checked as an output, the other running alongside
                    float[] grad = checkExact(what + " gradient", grad0, gradB.inside(),
                            (be, out, in) -> loss(be, bce, batch, n, in.of(pred), in.of(target), out,
                                    in.of(loss0), scale, accumulate));
                    float[] loss = checkExact(what + " loss", loss0, lossB.inside(),
                            (be, out, in) -> loss(be, bce, batch, n, in.of(pred), in.of(target), in.of(grad0),
                                    out, scale, accumulate));
                    for (int item = 0; item < batch; item++) {
                        double sum = 0;
                        for (int i = item * n; i < (item + 1) * n; i++) {
                            double x = pred[1 + i], t = target[2 + i], g;
                            if (bce) {
                                sum += Math.max(x, 0) - x * t + Math.log1p(Math.exp(-Math.abs(x)));
                                g = (1 / (1 + Math.exp(-x)) - t) / n;
                            } else {
                                sum += Math.abs(x - t);
                                g = Math.signum((float) x - (float) t) / n;
                            }
                            assertEquals(g, grad[3 + i], 1e-6 * (1 + Math.abs(g)), what + ": gradient " + i);
                        }
                        double want = (accumulate ? loss0[2 + item] : 0) + scale * sum / n;
                        assertEquals(want, loss[2 + item], 1e-5 * (1 + Math.abs(want)), what + ": loss " + item);
                    }
                }
            }
        }
    }

    /** pred/logit at 1, target at 2, gradient at 3, losses at 2. */
    private static void loss(Backend backend, boolean bce, int batch, int n, FloatBuf pred, FloatBuf target,
                             FloatBuf grad, FloatBuf loss, float scale, boolean accumulate) {
        if (bce) backend.run(TestOps.bceWithLogitsLoss(batch, n, pred, 1, target, 2, grad, 3, loss, 2, scale,
                accumulate));
        else backend.run(TestOps.l1Loss(batch, n, pred, 1, target, 2, grad, 3, loss, 2, scale, accumulate));
    }

    /** Counts added to the counters already there, at an offset; logit 0 counts as 1 and target 0.5 as 1. */
    @Test
    void countCorrectMatches() {
        SplittableRandom rnd = new SplittableRandom(91);
        for (int[] s : new int[][] {{1, 1}, {3, 10}, {4, 33}}) {
            int batch = s[0], n = s[1];
            float[] logit = vec(2, batch * n).array(rnd);
            float[] target = vec(1, batch * n).array(rnd);
            for (int i = 0; i < batch * n; i++) {
                if (i % 5 == 0) logit[2 + i] = 0f;
                target[1 + i] = i % 7 == 0 ? 0.5f : rnd.nextInt(2);
            }
            int[] counts0 = {-3, 100, 5, 6, 7, 8, -9};
            int[] want = counts0.clone();
            for (int item = 0; item < batch; item++) {
                for (int i = item * n; i < (item + 1) * n; i++) {
                    if ((logit[2 + i] >= 0f) == (target[1 + i] >= 0.5f)) want[1 + item]++;
                }
            }
            for (Backend backend : new Backend[] {REF, SERIAL, PARALLEL}) {
                try (FloatBuf l = of(backend, logit); FloatBuf t = of(backend, target); IntBuf c = ofInts(backend, counts0)) {
                    backend.run(TestOps.countCorrect(batch, n, l, 2, t, 1, c, 1));
                    assertArrayEquals(want, readInts(backend, c), backend.name() + " " + batch + "x" + n);
                }
            }
        }
    }

    @Test
    void oneHotMatches() {
        SplittableRandom rnd = new SplittableRandom(92);
        for (int[] s : new int[][] {{1, 1}, {5, 3}, {33, 17}}) {
            int n = s[0], classes = s[1];
            int[] index = new int[2 + n];
            for (int i = 0; i < n; i++) index[2 + i] = rnd.nextInt(classes);
            Block outB = vec(3, n * classes);
            float[] expected = checkExact(n + "x" + classes, outB.array(rnd), outB.inside(), (be, out, in) -> {
                try (IntBuf idx = ofInts(be, index)) {
                    be.run(TestOps.oneHot(n, classes, idx, 2, out, 3));
                }
            });
            for (int i = 0; i < n; i++) {
                for (int j = 0; j < classes; j++) {
                    assertEquals(j == index[2 + i] ? 1f : 0f, expected[3 + i * classes + j], "reference " + i + "," + j);
                }
            }
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
            AdamOut one = adamRun(SERIAL, n, param, grad, m, v, new int[] {0, 9}, 1);
            AdamOut two = adamRun(PARALLEL, n, param, grad, m, v, new int[] {0, 9}, 1);
            assertArrayEquals(new int[] {0, 10}, one.steps());
            assertArrayEquals(new int[] {0, 10}, two.steps());
            assertArrayEquals(one.param(), two.param(), "param, n=" + n);
            assertArrayEquals(one.m(), two.m(), "m, n=" + n);
            assertArrayEquals(one.v(), two.v(), "v, n=" + n);
        }
    }

    /** Five steps, each backend advancing its own counter: m and v bit for bit, the parameters to 1e-6. */
    @Test
    void adamUpdateMatches() {
        SplittableRandom rnd = new SplittableRandom(90);
        for (int n : new int[] {1, 15, 16, 100, 4099, 40_000}) {
            float[] param = gaussian(rnd, n);
            float beta1 = 0.9f, beta2 = 0.999f, eps = 1e-8f;
            double lr = 1e-4;
            try (FloatBuf rp = of(REF, param); FloatBuf rg = REF.allocFloats(n); FloatBuf rm = REF.allocFloats(n);
                 FloatBuf rv = REF.allocFloats(n); IntBuf rs = REF.allocInts(1);
                 FloatBuf vp = of(PARALLEL, param); FloatBuf vg = PARALLEL.allocFloats(n);
                 FloatBuf vm = PARALLEL.allocFloats(n); FloatBuf vv = PARALLEL.allocFloats(n);
                 IntBuf vs = PARALLEL.allocInts(1)) {
                for (int t = 1; t <= 5; t++) {
                    float[] grad = gaussian(rnd, n);
                    REF.upload(grad, 0, rg, 0, n);
                    PARALLEL.upload(grad, 0, vg, 0, n);
                    REF.run(TestOps.adam(n, rp, rg, rm, rv, rs, 0, lr, beta1, beta2, eps));
                    PARALLEL.run(TestOps.adam(n, vp, vg, vm, vv, vs, 0, lr, beta1, beta2, eps));
                }
                assertArrayEquals(new int[] {5}, readInts(REF, rs));
                assertArrayEquals(new int[] {5}, readInts(PARALLEL, vs));
                assertArrayEquals(new float[n], read(REF, rg), "the gradient is cleared, n=" + n);
                assertArrayEquals(new float[n], read(PARALLEL, vg), "the gradient is cleared, n=" + n);
                assertArrayEquals(read(REF, rm), read(PARALLEL, vm), "m, n=" + n);
                assertArrayEquals(read(REF, rv), read(PARALLEL, vv), "v, n=" + n);
                float[] refParam = read(REF, rp), out = read(PARALLEL, vp);
                for (int i = 0; i < n; i++) {
                    assertEquals(refParam[i], out[i], 1e-6 * Math.abs(refParam[i]), "param " + i + ", n=" + n);
                }
            }
        }
    }

    /**
     * The counter at an offset is read, advanced and written back (its neighbours untouched), and the update uses
     * the bias corrections of the new t: t = 1 from fresh moments, t = 3 from given ones, computed here by hand.
     * Parameters start at 0 so the update itself is compared, to float rounding.
     */
    @Test
    void adamStepCounterAndBiasCorrection() {
        float beta1 = 0.9f, beta2 = 0.99f, eps = 1e-8f;
        double lr = 1e-3;
        int n = 37; // vector lanes and a scalar tail
        SplittableRandom rnd = new SplittableRandom(96);
        float[] grad = gaussian(rnd, n), m0 = gaussian(rnd, n), v0 = new float[n];
        for (int i = 0; i < n; i++) v0[i] = 0.01f * (float) Math.abs(gaussian(rnd));
        for (int[] start : new int[][] {{0, 1}, {2, 3}}) {
            int t = start[1];
            float[] m = t == 1 ? new float[n] : m0, v = t == 1 ? new float[n] : v0;
            float[] wantM = new float[n], wantV = new float[n];
            double[] wantP = new double[n];
            for (int i = 0; i < n; i++) {
                float g = grad[i];
                wantM[i] = beta1 * m[i] + (1f - beta1) * g;
                wantV[i] = beta2 * v[i] + (1f - beta2) * g * g;
                double mHat = wantM[i] / (1 - Math.pow(beta1, t)), vHat = wantV[i] / (1 - Math.pow(beta2, t));
                wantP[i] = -lr * mHat / (Math.sqrt(vHat) + eps);
            }
            float[] wantPf = new float[n];
            for (int i = 0; i < n; i++) wantPf[i] = (float) wantP[i];
            for (Backend backend : new Backend[] {REF, SERIAL, PARALLEL}) {
                AdamOut out = adamRun(backend, n, new float[n], grad, m, v, new int[] {7, start[0], -5}, 1);
                String what = backend.name() + " t=" + t;
                assertArrayEquals(new int[] {7, t, -5}, out.steps(), what + ": counter");
                assertArrayEquals(wantM, out.m(), what + ": m");
                assertArrayEquals(wantV, out.v(), what + ": v");
                double rel = relativeError(out.param(), wantPf);
                assertTrue(rel < 1e-5, what + ": update relative error " + rel);
            }
        }
        // the same call replayed unchanged takes the next step, and clears the gradient it read
        try (FloatBuf p = REF.allocFloats(1); FloatBuf g = REF.allocFloats(1); FloatBuf m = REF.allocFloats(1);
             FloatBuf v = REF.allocFloats(1); IntBuf step = REF.allocInts(1);
             FloatBuf vp = SERIAL.allocFloats(1); FloatBuf vg = SERIAL.allocFloats(1);
             FloatBuf vm = SERIAL.allocFloats(1); FloatBuf vv = SERIAL.allocFloats(1); IntBuf vstep = SERIAL.allocInts(1)) {
            for (int call = 1; call <= 3; call++) {
                REF.upload(new float[] {1f}, 0, g, 0, 1);
                SERIAL.upload(new float[] {1f}, 0, vg, 0, 1);
                REF.run(TestOps.adam(1, p, g, m, v, step, 0, lr, beta1, beta2, eps));
                SERIAL.run(TestOps.adam(1, vp, vg, vm, vv, vstep, 0, lr, beta1, beta2, eps));
                assertArrayEquals(new int[] {call}, readInts(REF, step));
                assertArrayEquals(new int[] {call}, readInts(SERIAL, vstep));
                assertArrayEquals(new float[] {0f}, read(REF, g));
                assertArrayEquals(new float[] {0f}, read(SERIAL, vg));
            }
            // a constant gradient moves every bias-corrected step by lr (to eps)
            assertEquals(-3 * lr, read(REF, p)[0], 1e-8);
            assertEquals(-3 * lr, read(SERIAL, vp)[0], 1e-8);
        }
    }

    /** What one Adam call left: parameters, moments and the step counters. */
    private record AdamOut(float[] param, float[] m, float[] v, int[] steps) {
    }

    /** One Adam call (lr 1e-3, betas 0.9 and 0.99, eps 1e-8) on fresh buffers, the counter at steps[stepOff]. */
    private static AdamOut adamRun(Backend backend, int n, float[] param, float[] grad, float[] m, float[] v,
                                   int[] steps, int stepOff) {
        try (FloatBuf p = of(backend, param); FloatBuf g = of(backend, grad); FloatBuf mb = of(backend, m);
             FloatBuf vb = of(backend, v); IntBuf s = ofInts(backend, steps)) {
            backend.run(TestOps.adam(n, p, g, mb, vb, s, stepOff, 1e-3, 0.9f, 0.99f, 1e-8f));
            return new AdamOut(read(backend, p), read(backend, mb), read(backend, vb), readInts(backend, s));
        }
    }

    /** Every op refuses a closed buffer, float or int, whichever operand it is. */
    @Test
    void closedBufferUsedAgainThrows() {
        for (Backend backend : new Backend[] {REF, SERIAL, PARALLEL}) {
            try (FloatBuf y = backend.allocFloats(16); FloatBuf z = backend.allocFloats(16);
                 IntBuf live = backend.allocInts(2)) { // two: attention keeps a key for each of its 2 queries
                FloatBuf x = backend.allocFloats(16);
                IntBuf ix = backend.allocInts(2);
                x.close();
                ix.close();
                String name = backend.name();
                List<Executable> uses = List.of(
                        x::length,
                        () -> backend.run(TestOps.fill(1, 0f, x, 0)),
                        () -> backend.upload(new float[1], 0, x, 0, 1),
                        () -> backend.download(x, 0, new float[1], 0, 1),
                        () -> backend.run(TestOps.gemm(false, false, 2, 2, 2, x, 0, 2, y, 0, 2, z, 0, 2, false, null,
                                0, false)),
                        () -> backend.run(TestOps.gemm(false, false, 2, 2, 2, y, 0, 2, z, 0, 2, x, 0, 2, false, null,
                                0, false)),
                        () -> backend.run(TestOps.gemmBatched(2, false, false, 2, 2, 2, y, 0, 2, 4, z, 0, 2, 0, y, 8,
                                2, 4, false, x, 0, 0, false)),
                        () -> backend.run(TestOps.reluBackward(2, 2, y, 0, 2, x, 0, 2)),
                        () -> backend.run(TestOps.columnSumAccumulate(1, 2, 2, x, 0, 2, 0, y, 0, 0)),
                        () -> backend.run(TestOps.copy(1, 1, 8, y, 0, 8, 0, x, 0, 8, 0)),
                        () -> backend.run(TestOps.addInto(1, 1, 8, x, 0, 8, 0, y, 0, 8, 0)),
                        () -> backend.run(TestOps.scaleBlocks(1, 2, 2, y, 0, x, 0, z, 0)),
                        () -> backend.run(TestOps.blockDotAccumulate(1, 2, 2, y, 0, z, 0, x, 0)),
                        () -> backend.run(TestOps.softmaxRows(2, 2, x, 0, y, 0)),
                        () -> backend.run(TestOps.softmaxRowsBackward(2, 2, y, 0, z, 0, x, 0)),
                        () -> backend.run(TestOps.l1Loss(1, 4, y, 0, z, 0, y, 4, x, 0, 1f, false)),
                        () -> backend.run(TestOps.bceWithLogitsLoss(1, 4, x, 0, z, 0, y, 4, z, 8, 1f, false)),
                        () -> backend.run(TestOps.countCorrect(1, 4, x, 0, y, 0, live, 0)),
                        () -> backend.run(TestOps.oneHot(1, 2, live, 0, x, 0)),
                        () -> backend.run(TestOps.adam(4, x, y, z, y, live, 0, 1e-3, 0.9f, 0.999f, 1e-8f)),
                        () -> backend.run(new AttentionForward(1, 2, 1, 2, 1, 1f, y, x, z, y, live, z)),
                        () -> backend.run(new AttentionBackward(1, 2, 1, 2, 1, 1f, y, z, y, live, z, y, z, y, z, x)),
                        ix::length,
                        () -> backend.upload(new int[1], 0, ix, 0, 1),
                        () -> backend.download(ix, 0, new int[1], 0, 1),
                        () -> backend.run(TestOps.countCorrect(1, 4, y, 0, z, 0, ix, 0)),
                        () -> backend.run(TestOps.oneHot(1, 2, ix, 0, y, 0)),
                        () -> backend.run(TestOps.adam(4, y, z, z, y, ix, 0, 1e-3, 0.9f, 0.999f, 1e-8f)),
                        () -> backend.run(new AttentionForward(1, 2, 1, 2, 1, 1f, y, z, y, z, ix, y)),
                        () -> backend.run(new AttentionBackward(1, 2, 1, 2, 1, 1f, y, z, y, ix, z, y, z, y, z, y)));
                for (int i = 0; i < uses.size(); i++) {
                    assertThrows(IllegalStateException.class, uses.get(i), name + ": use " + i + " of a closed buffer");
                }
            }
        }
    }

    /**
     * Once compiled, gemm (serial and parallel) and the other ops allocate nothing, on any thread of the pool; the
     * attention ops at a shape split across the pool and at one that is not, dense and sparse (both ways of the
     * backward's dot products).
     */
    @Test
    void callsAllocateNothingOnceWarm() {
        int m = 96, n = 80, k = 160;
        SplittableRandom rnd = new SplittableRandom(100);
        Backend be = PARALLEL;
        int big = 40_000; // split across the pool
        try (FloatBuf a = of(be, gaussian(rnd, m * k)); FloatBuf b = of(be, gaussian(rnd, k * n));
             FloatBuf c = be.allocFloats(m * n); FloatBuf c3 = be.allocFloats(3 * m * n); FloatBuf bias = of(be, gaussian(rnd, n));
             FloatBuf sum = be.allocFloats(n); FloatBuf p = of(be, gaussian(rnd, m * n)); FloatBuf g = of(be, gaussian(rnd, m * n));
             FloatBuf mo = be.allocFloats(m * n); FloatBuf ve = be.allocFloats(m * n); FloatBuf lg = be.allocFloats(m * n);
             FloatBuf loss = be.allocFloats(4); FloatBuf dots = be.allocFloats(m * 5); FloatBuf hot = be.allocFloats(m * 10);
             IntBuf counts = be.allocInts(4); IntBuf step = be.allocInts(2); IntBuf index = ofInts(be, new int[m]);
             FloatBuf bigP = of(be, gaussian(rnd, big)); FloatBuf bigG = of(be, gaussian(rnd, big));
             FloatBuf bigM = be.allocFloats(big); FloatBuf bigV = be.allocFloats(big)) {
            // ops are built once, as layers build theirs; the attention ops: AttentionAllocationTest
            modarch.backend.Op adamSmall = TestOps.adam(m * n, p, g, mo, ve, step, 0, 1e-4, 0.9f, 0.999f, 1e-8f);
            modarch.backend.Op adamBig = TestOps.adam(big, bigP, bigG, bigM, bigV, step, 1, 1e-4, 0.9f, 0.999f, 1e-8f);
            modarch.backend.Op l1 = TestOps.l1Loss(4, m * n / 4, p, 0, c, 0, lg, 0, loss, 0, 0.5f, false);
            modarch.backend.Op bce = TestOps.bceWithLogitsLoss(4, m * n / 4, p, 0, c, 0, lg, 0, loss, 0, 0.5f, true);
            modarch.backend.Op count = TestOps.countCorrect(4, m * n / 4, p, 0, c, 0, counts, 0);
            modarch.backend.Op zeroSum = TestOps.fill(n, 0f, sum, 0);
            modarch.backend.Op columnSum = TestOps.columnSumAccumulate(2, m / 2, n, c, 0, n, m / 2 * n, c3, 0, n);
            modarch.backend.Op relu = TestOps.reluBackward(m, n, c, 0, n, p, 0, n);
            modarch.backend.Op scale = TestOps.scaleBlocks(m, 5, 16, c, 0, g, 0, p, 0);
            modarch.backend.Op dot = TestOps.blockDotAccumulate(m, 5, 16, c, 0, p, 0, dots, 0);
            modarch.backend.Op softmax = TestOps.softmaxRows(m, n, c, 0, lg, 0);
            modarch.backend.Op softmaxBackward = TestOps.softmaxRowsBackward(m, n, lg, 0, p, 0, c, 0);
            modarch.backend.Op oneHot = TestOps.oneHot(m, 10, index, 0, hot, 0);
            modarch.backend.Op[] products = {
                TestOps.gemm(false, false, m, n, k, a, 0, k, b, 0, n, c, 0, n, false, bias, 0, true),
                TestOps.gemm(false, true, m, k, n, c, 0, n, b, 0, n, a, 0, k, false, null, 0, false),
                TestOps.gemm(true, false, k, n, m, a, 0, k, c, 0, n, b, 0, n, true, null, 0, false),
                TestOps.gemm(false, false, m, 1, k, a, 0, k, b, 0, n, c, 0, n, true, bias, 0, false),
                // items split across the pool (2), and one after another, each product parallel (3)
                TestOps.gemmBatched(2, false, false, m, n, k, a, 0, k, 0, b, 0, n, 0, c3, 0, n, m * n, false, bias, 0,
                        0, true),
                TestOps.gemmBatched(3, false, false, m, n, k, a, 0, k, 0, b, 0, n, 0, c3, 0, n, m * n, true, null, 0,
                        0, false)};
            modarch.backend.Op serialProduct = TestOps.gemm(true, true, 5, 33, 17, a, 0, 5, b, 0, 17, c, 0, 33, true,
                    bias, 0, false);
            modarch.backend.Op addHalves = TestOps.addInto(2, m / 2, n, c, 0, n, m / 2 * n, p, 0, n, m / 2 * n);
            modarch.backend.Op copyThree = TestOps.copy(3, m, n, c, 0, n, 0, c3, 0, n, m * n);
            Runnable stepRun = () -> {
                for (modarch.backend.Op product : products) PARALLEL.run(product);
                SERIAL.run(serialProduct);
                PARALLEL.run(relu);
                PARALLEL.run(columnSum);
                PARALLEL.run(adamSmall);
                PARALLEL.run(adamBig);
                PARALLEL.run(addHalves);
                PARALLEL.run(copyThree);
                PARALLEL.run(zeroSum);
                PARALLEL.run(scale);
                PARALLEL.run(dot);
                PARALLEL.run(softmax);
                PARALLEL.run(softmaxBackward);
                PARALLEL.run(l1);
                PARALLEL.run(bce);
                PARALLEL.run(count);
                PARALLEL.run(oneHot);
            };
            long allocated = WarmAllocation.ofFiftyRuns(stepRun);
            assertEquals(0, allocated, "bytes allocated by 50 warm steps");
        }
    }

    /** Each case on one and two threads against the reference; C outside its items must be untouched. */
    private static void checkAll(List<Gemm> cases, long seed) {
        for (Gemm c : cases) {
            float[] ref = c.run(REF, seed);
            boolean[] inside = c.c().inside();
            float[] initial = c.inputs(seed)[2];
            for (Backend backend : VECTOR) {
                assertCloseInside(c + " on " + backend.name(), ref, c.run(backend, seed), inside, initial);
            }
            seed++;
        }
    }

    /** The values inside within relative error 1e-5 of ref's; outside, initial's bits. */
    private static void assertCloseInside(String what, float[] ref, float[] out, boolean[] inside, float[] initial) {
        float[][] in = gather(ref, out, inside);
        double rel = relativeError(in[1], in[0]);
        assertTrue(rel < 1e-5, what + ": relative error " + rel);
        assertOutsideUntouched(what, out, inside, initial);
    }

    /** The values inside equal to ref's bit for bit and finite (nothing read from outside); outside, initial's bits. */
    private static void assertExactInside(String what, float[] ref, float[] out, boolean[] inside, float[] initial) {
        float[][] in = gather(ref, out, inside);
        assertArrayEquals(in[0], in[1], what);
        for (int i = 0; i < in[1].length; i++) assertTrue(Float.isFinite(in[1][i]), what + ": not finite inside at " + i);
        assertOutsideUntouched(what, out, inside, initial);
    }

    private static float[][] gather(float[] ref, float[] out, boolean[] inside) {
        assertEquals(inside.length, out.length);
        int count = 0;
        for (boolean b : inside) if (b) count++;
        float[] r = new float[count], o = new float[count];
        for (int i = 0, j = 0; i < inside.length; i++) {
            if (inside[i]) {
                r[j] = ref[i];
                o[j++] = out[i];
            }
        }
        return new float[][] {r, o};
    }

    private static void assertOutsideUntouched(String what, float[] out, boolean[] inside, float[] initial) {
        for (int i = 0; i < out.length; i++) {
            if (!inside[i]) {
                assertEquals(Float.floatToRawIntBits(initial[i]), Float.floatToRawIntBits(out[i]),
                        what + ": wrote outside at " + i);
            }
        }
    }

    /** An op of backend writing into out, its inputs made by in. */
    @FunctionalInterface
    private interface Op {
        void run(Backend backend, FloatBuf out, Inputs in);
    }

    /** Input buffers of one op, freed when it returns. */
    private static final class Inputs implements AutoCloseable {
        private final Backend backend;
        private final List<FloatBuf> buffers = new ArrayList<>();

        Inputs(Backend backend) {
            this.backend = backend;
        }

        FloatBuf of(float[] values) {
            FloatBuf buf = TestBuffers.of(backend, values);
            buffers.add(buf);
            return buf;
        }

        @Override
        public void close() {
            for (FloatBuf buf : buffers) buf.close();
        }
    }

    /** Runs op on backend over a buffer that starts as initial; returns that buffer, downloaded. */
    private static float[] apply(Backend backend, float[] initial, Op op) {
        try (Inputs in = new Inputs(backend); FloatBuf out = of(backend, initial)) {
            op.run(backend, out, in);
            return read(backend, out);
        }
    }

    /**
     * Runs op on the reference and on both vector backends, over out as given (NaN outside the views) and again
     * with {@link #GUARD} outside: the vector results equal the reference's bit for bit, are finite inside, and
     * leave every value outside as it was. Returns the reference's result on out as given.
     */
    private static float[] checkExact(String what, float[] initial, boolean[] inside, Op op) {
        float[] expected = null;
        for (float margin : new float[] {OUTSIDE, GUARD}) {
            float[] start = withMargin(initial, inside, margin);
            float[] ref = apply(REF, start, op);
            if (expected == null) expected = ref;
            for (Backend backend : VECTOR) {
                assertExactInside(what + " on " + backend.name(), ref, apply(backend, start, op), inside, start);
            }
        }
        return expected;
    }

    /**
     * As {@link #checkExact} for an op whose vector kernel sums in another order: inside the views the vector
     * results are within relative error 1e-6 of the reference, the serial and the parallel pool agree bit for bit,
     * and nothing outside changes.
     */
    private static float[] checkClose(String what, float[] initial, boolean[] inside, Op op) {
        float[] expected = null;
        for (float margin : new float[] {OUTSIDE, GUARD}) {
            float[] start = withMargin(initial, inside, margin);
            float[] ref = apply(REF, start, op);
            if (expected == null) expected = ref;
            float[] serial = apply(SERIAL, start, op);
            float[][] in = gather(ref, serial, inside);
            double error = relativeError(in[1], in[0]);
            assertTrue(error < 1e-6, what + ": relative error " + error);
            assertOutsideUntouched(what + " on " + SERIAL.name(), serial, inside, start);
            assertArrayEquals(serial, apply(PARALLEL, start, op), what + ": one thread or two");
        }
        return expected;
    }

    /** A copy of x with margin outside the views. */
    private static float[] withMargin(float[] x, boolean[] inside, float margin) {
        float[] out = x.clone();
        for (int i = 0; i < out.length; i++) if (!inside[i]) out[i] = margin;
        return out;
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
