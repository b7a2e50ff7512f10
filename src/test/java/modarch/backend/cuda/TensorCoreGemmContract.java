package modarch.backend.cuda;

import static modarch.backend.cuda.KernelAgreement.gaussian;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.Arrays;
import java.util.SplittableRandom;
import modarch.backend.Backend;
import modarch.backend.FloatBuf;
import modarch.backend.IntBuf;
import modarch.backend.Mat;
import modarch.backend.Precision;
import modarch.backend.TestOps;
import modarch.backend.ops.Gemm;
import modarch.backend.ops.GemmSegmented;
import modarch.backend.ops.GemmSegmentedWeightGrad;
import org.junit.jupiter.api.Test;

/**
 * The tensor-core GEMM (gemm_tc.cu) and its mma against {@link modarch.backend.ops.Gemm}'s reference, at both
 * precisions, at odd shapes, every transpose and epilogue, batched and grouped, aligned (16-byte cp.async) and not;
 * the segmented products on tensor cores likewise ({@link #segmentedProductsAgreeInEachPrecision}). Tolerance: the
 * emulated device sums in the reference's fixed order, so there the bits must be equal. A GPU rounds the inputs as
 * the reference does (cvt.rna, and products of TF32 values are exact in FP32) but adds the products in an order and
 * with internal rounding of its own; that changes only the FP32 accumulation, whose error for these k (at most 3 x 136
 * terms of N(0,1) products) is far below KernelAgreement's bounds (1e-5 norm-wise, 1e-4 of the scale per element).
 * TF32's own error (about 1e-4 relative, {@link #threeTf32IsFp32ClassAndTf32IsNot}) would not pass them.
 */
abstract class TensorCoreGemmContract extends DeviceContract {
    private static final Precision[] PRECISIONS = {Precision.TF32, Precision.TF32X3};
    private static final int[][] SHAPES = {{1, 1, 1}, {3, 17, 33}, {17, 3, 1}, {33, 65, 17}, {64, 64, 64},
        {65, 130, 3}, {130, 33, 65}, {1, 130, 130}, {130, 1, 64}, {17, 33, 0}};

    /** Whether the device sums in the reference's order (the emulated device): then results must equal its bits. */
    abstract boolean fixedOrder();

    private void agree(String what, float[][] floats, KernelAgreement.Op op) {
        if (fixedOrder()) KernelAgreement.checkExact(what, device(), floats, new int[0][], op);
        else KernelAgreement.check(what, device(), floats, new int[0][], op);
    }

    /** Random a, b, c with ties of TF32 rounding in a and b: a fragment element in the wrong lane or register shows. */
    @Test
    void mmaFragmentsFollowThePtxLayout() {
        SplittableRandom rnd = new SplittableRandom(11);
        float[] a = gaussian(rnd, 1 + 128), b = gaussian(rnd, 2 + 64), c = gaussian(rnd, 3 + 128);
        float tie = 1f + 0x1p-11f; // halfway between two TF32 values: cvt.rna goes away from zero, to 1 + 2^-10
        a[1] = tie;
        a[1 + 21] = -tie;
        b[2 + 13] = 3 * tie;
        agree("mma", new float[][] {a, b, c, gaussian(rnd, 4 + 128)}, (be, f, i) -> be.run(new TensorCoreOps.Mma(
                Mat.of("a", f[0], 1, 16, 8), Mat.of("b", f[1], 2, 8, 8), Mat.of("c", f[2], 3, 16, 8),
                Mat.of("d", f[3], 4, 16, 8))));
    }

    @Test
    void gemmAtOddShapes() {
        gemmAgreesOn(SHAPES);
    }

    /** Each shape (m, n, k) with every transpose, accumulate and bias-ReLU, at both precisions, batches of 1 to 3. */
    void gemmAgreesOn(int[][] shapes) {
        SplittableRandom rnd = new SplittableRandom(12);
        int count = 0;
        for (int[] s : shapes) {
            int m = s[0], n = s[1], k = s[2];
            for (Precision precision : PRECISIONS) {
                for (int flags = 0; flags < 16; flags++) {
                    boolean transA = (flags & 1) != 0, transB = (flags & 2) != 0, acc = (flags & 4) != 0;
                    boolean reluBias = (flags & 8) != 0;
                    int batch = 1 + count % 3;
                    boolean aligned = count++ % 2 == 0; // items and rows 16-byte aligned: cp.async of 16 bytes
                    int off = aligned ? 0 : 1 + count % 3;
                    int rowsA = transA ? k : m, rowsB = transB ? n : k;
                    int lda = ld(transA ? m : k, aligned), ldb = ld(transB ? k : n, aligned), ldc = n + count % 2;
                    int strideA = rowsA * lda + (aligned ? 4 : 1);
                    int strideB = batch == 3 ? 0 : rowsB * ldb + (aligned ? 8 : 2);
                    int strideC = m * ldc + 1, strideBias = batch == 2 ? 0 : n;
                    float[][] in = {gaussian(rnd, off + batch * strideA + 2),
                        gaussian(rnd, off + batch * Math.max(strideB, rowsB * ldb) + 2),
                        gaussian(rnd, off + batch * strideC + 2), gaussian(rnd, off + batch * n + 1)};
                    String what = "gemm_tf32 precision " + precision + " " + m + "x" + n + "x" + k + " flags " + flags
                            + " batch " + batch + (aligned ? " aligned" : "");
                    agree(what, in, (be, f, i) -> be.run(TestOps.gemmBatched(batch,
                            transA, transB, m, n, k, f[0], off, lda, strideA, f[1], off, ldb, strideB, f[2], off, ldc,
                            strideC, acc, reluBias ? f[3] : null, off, strideBias, reluBias).precision(precision)));
                }
            }
        }
    }

    /** A row stride for cols columns: a multiple of 4 when aligned, else one more than cols. */
    private static int ld(int cols, boolean aligned) {
        return aligned ? (cols + 3) / 4 * 4 : cols + 1;
    }

    /** Two groups of three items, each operand advanced by its group stride, as replicas x modules. */
    @Test
    void groupedProducts() {
        SplittableRandom rnd = new SplittableRandom(13);
        for (Precision precision : PRECISIONS) {
            for (boolean transA : new boolean[] {false, true}) {
                GroupedGemmCase grouped = new GroupedGemmCase(33, 17, 65, transA);
                agree("gemm_tf32 grouped precision " + precision + " " + grouped, grouped.inputs(rnd),
                        (be, f, i) -> be.run(grouped.gemm(f).precision(precision)));
            }
        }
    }

    /** Item 3 of a batch of 5 and the same item alone give the same bits: the kernel's choices ignore the item count. */
    @Test
    void aReplicaKeepsItsBitsInAnyGroupSize() {
        SplittableRandom rnd = new SplittableRandom(14);
        int m = 65, n = 33, k = 17, items = 5, item = 3;
        int strideA = m * k, strideB = n * k + 1, strideC = m * n;
        float[][] in = {gaussian(rnd, items * strideA), gaussian(rnd, items * strideB), gaussian(rnd, items * strideC),
            gaussian(rnd, items * n)};
        for (Precision precision : PRECISIONS) {
            float[] all = KernelAgreement.run(device(), in, new int[0][], (be, f, i) -> be.run(
                    TestOps.gemmBatched(items, false, true, m, n, k, f[0], 0, k, strideA,
                            f[1], 0, k, strideB, f[2], 0, n, strideC, true, f[3], 0, n, true).precision(precision))).floats()[2];
            float[] alone = KernelAgreement.run(device(), in, new int[0][], (be, f, i) -> be.run(
                    TestOps.gemmBatched(1, false, true, m, n, k, f[0], item * strideA, k, 0,
                            f[1], item * strideB, k, 0, f[2], item * strideC, n, 0, true, f[3], item * n, n, true).precision(precision))).floats()[2];
            int from = item * strideC, to = from + strideC;
            assertArrayEquals(Arrays.copyOfRange(alone, from, to), Arrays.copyOfRange(all, from, to),
                    "precision " + precision);
        }
    }

    /** Against float64: TF32 errs by about 2^-12 relative, 3xTF32 by about FP32's rounding. */
    @Test
    void threeTf32IsFp32ClassAndTf32IsNot() {
        SplittableRandom rnd = new SplittableRandom(15);
        int m = 64, n = 64, k = 64;
        float[][] in = {gaussian(rnd, m * k), gaussian(rnd, k * n), new float[m * n]};
        double[] exact = new double[m * n];
        for (int i = 0; i < m; i++) {
            for (int j = 0; j < n; j++) {
                for (int p = 0; p < k; p++) exact[i * n + j] += (double) in[0][i * k + p] * in[1][p * n + j];
            }
        }
        double[] error = new double[PRECISIONS.length];
        for (int q = 0; q < PRECISIONS.length; q++) {
            Precision precision = PRECISIONS[q];
            float[] c = KernelAgreement.run(device(), in, new int[0][], (be, f, i) -> be.run(TestOps.gemm(false, false, m, n, k, f[0], 0, k, f[1], 0, n, f[2], 0, n, false, null, 0, false).precision(precision))).floats()[2];
            double diff = 0, norm = 0;
            for (int e = 0; e < c.length; e++) {
                diff += (c[e] - exact[e]) * (c[e] - exact[e]);
                norm += exact[e] * exact[e];
            }
            error[q] = Math.sqrt(diff / norm);
        }
        assertTrue(error[0] > 3e-5 && error[0] < 1e-3, "TF32's relative error " + error[0]);
        assertTrue(error[1] < 1e-6, "3xTF32's relative error " + error[1]);
    }

    /**
     * (rep, R, rows, k, n, kdim): one of everything, modules without rows, segments across 64-row tiles and 16-row
     * slabs with two column tiles, k = R, two kdim tiles, kdim 0 (the bias alone), a long segment (5 row tiles).
     */
    private static final int[][] SEGMENT_SHAPES = {{1, 1, 1, 1, 1, 1}, {2, 4, 13, 1, 3, 5}, {2, 3, 100, 2, 70, 33},
        {1, 6, 50, 6, 17, 70}, {2, 5, 40, 2, 9, 0}, {1, 2, 300, 1, 7, 3}};
    /** kdim and n multiples of 4: every 16-byte copy of a, w and d may be one. */
    private static final int[][] ALIGNED_SEGMENT_SHAPES = {{2, 3, 100, 2, 68, 36}, {1, 4, 30, 2, 4, 8}};

    /**
     * Top-k routing's segmented products on tensor cores (slot_dispatch.cu's gemm_segmented_tf32 and
     * gemm_segmented_weight_grad_tf32), {@link SegmentedProducts}' cases at odd shapes and at aligned ones, in both
     * precisions, under the tolerance above (over at most 3 x 300 terms: kdim, or a segment's rows), their bias
     * gradient's FP32 sums included.
     */
    @Test
    void segmentedProductsAgreeInEachPrecision() {
        segmentedAgreeOn(SEGMENT_SHAPES, ALIGNED_SEGMENT_SHAPES);
    }

    /** The segmented cases at odd and at aligned shapes, in both precisions (AsanKernelsTest: fewer). */
    void segmentedAgreeOn(int[][] odd, int[][] aligned) {
        SegmentedProducts.Agreement agreement = fixedOrder() ? KernelAgreement::checkExact : KernelAgreement::check;
        for (Precision precision : PRECISIONS) {
            SegmentedProducts.agreeOn(device(), precision, false, agreement, odd);
            SegmentedProducts.agreeOn(device(), precision, true, agreement, aligned);
        }
    }

    /**
     * Segmented products: replica 1 of 3 and the same replica alone (its slices of every operand) give the same bits,
     * forward and weight gradient: the kernels' choices ignore the replica count.
     */
    @Test
    void aSegmentedReplicaKeepsItsBitsInAnyGroupSize() {
        SplittableRandom rnd = new SplittableRandom(16);
        int rep = 3, modules = 4, rows = 45, k = 2, n = 33, kdim = 17, slots = rows * k, r = 1;
        int wRep = modules * kdim * n, biasRep = modules * n;
        int[] starts = CudaBackendContract.referenceDispatch(rep, rows, modules, k,
                CudaBackendContract.chosenModules(rnd, rep, rows, modules, k, 2))[1];
        // f: a (rep, slots, kdim), w, c (rep, slots, n), bias, d (rep, slots, n), gw, gb
        float[][] f = {gaussian(rnd, rep * slots * kdim), gaussian(rnd, rep * wRep), new float[rep * slots * n],
            gaussian(rnd, rep * biasRep), gaussian(rnd, rep * slots * n), gaussian(rnd, rep * wRep),
            gaussian(rnd, rep * biasRep)};
        float[][] alone = {slice(f[0], r, slots * kdim), f[1], new float[slots * n], f[3], slice(f[4], r, slots * n),
            f[5], f[6]};
        int[] startsAlone = Arrays.copyOfRange(starts, r * (modules + 1), (r + 1) * (modules + 1));
        for (Precision precision : PRECISIONS) {
            float[][] all = KernelAgreement.run(device(), f, new int[][] {starts}, (be, b, i) -> products(be, b, i[0],
                    rep, modules, slots, n, kdim, 0, precision)).floats();
            float[][] one = KernelAgreement.run(device(), alone, new int[][] {startsAlone}, (be, b, i) -> products(be,
                    b, i[0], 1, modules, slots, n, kdim, r, precision)).floats();
            assertArrayEquals(slice(all[2], r, slots * n), one[2], precision + ": c");
            assertArrayEquals(slice(all[5], r, wRep), slice(one[5], r, wRep), precision + ": gw");
            assertArrayEquals(slice(all[6], r, biasRep), slice(one[6], r, biasRep), precision + ": gb");
        }
    }

    /**
     * c = relu(a . w + bias), then gw += a^T d and gb += d's column sums, for rep replicas from replica first of w,
     * bias, gw and gb (buffers b: a, w, c, bias, d, gw, gb); w_m (kdim, n) contiguous.
     */
    private static void products(Backend be, FloatBuf[] b, IntBuf starts, int rep, int modules, int slots, int n,
                                 int kdim, int first, Precision precision) {
        int wRep = modules * kdim * n, biasRep = modules * n;
        be.run(new GemmSegmented(rep, modules, starts, slots, false, n, kdim, b[0], b[1], first * wRep, n, kdim * n,
                wRep, b[2], b[3], first * biasRep, n, biasRep, true, precision));
        be.run(new GemmSegmentedWeightGrad(rep, modules, starts, slots, n, kdim, b[0], b[4], b[5], first * wRep, n,
                kdim * n, wRep, b[6], first * biasRep, n, biasRep, precision));
    }

    /** Item r of x's items of size each. */
    private static float[] slice(float[] x, int r, int size) {
        return Arrays.copyOfRange(x, r * size, (r + 1) * size);
    }
}
