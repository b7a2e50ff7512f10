package modarch.backend.cuda;

import static modarch.backend.cuda.KernelAgreement.gaussian;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;

import java.util.Arrays;
import java.util.SplittableRandom;
import modarch.backend.TestOps;
import org.junit.jupiter.api.Test;

/**
 * The FP32 tiled products (gemm.cu: gemm_tiled, 128 x 128 tiles in slabs of 8 along k, and gemm_medium, 64 x 64 in
 * slabs of 16) against {@link modarch.backend.ops.Gemm}'s reference, at shapes that reach each path of both: interior
 * and edge tiles in m and n, k a multiple of the slab or not (and 0), every transpose pair, accumulate, bias and ReLU,
 * batches with shared operands, groups; operands whose items and rows are 16-byte aligned (float4 loads, unchecked in
 * interior slabs), whose ld is not a multiple of 4, or whose items start off alignment (checked loads). Tolerance: the
 * emulated device rounds each product and each sum in k order from 0, as the reference does, so there the bits must
 * be equal. A GPU fuses each product into its sum (FMA: one rounding instead of two) in the same order; for these k
 * (at most 512 products of N(0,1) terms) that differs from the reference by a few FP32 ulps of the partial sums,
 * far inside KernelAgreement's bounds (1e-5 norm-wise, 1e-4 of the scale per element).
 */
abstract class TiledGemmContract extends DeviceContract {
    /**
     * (m, n, k): gemm_tiled with edge tiles in m and n and a last slab of 1; gemm_tiled's interior tiles only with
     * k a multiple of 8; gemm_medium with edges and k = 2 slabs + 1; its interior with one slab; k = 0.
     */
    static final int[][] SHAPES = {{257, 1000, 17}, {512, 512, 24}, {130, 200, 33}, {192, 128, 16}, {100, 70, 0}};

    /** Bit for bit on the emulated device, which rounds as the reference does; else within KernelAgreement's bounds. */
    private void agree(String what, float[][] floats, KernelAgreement.Op op) {
        boolean emulated = device().name().equals("cuda-emulated");
        if (emulated) KernelAgreement.checkExact(what, device(), floats, new int[0][], op);
        else KernelAgreement.check(what, device(), floats, new int[0][], op);
    }

    @Test
    void productsAgreeAtOddShapes() {
        productsAgreeOn(SHAPES);
    }

    /**
     * Each shape (m, n, k) with every transpose, accumulate and bias-ReLU (16 cases), batches of 1 to 3, the cases
     * taking turns at three layouts: every item and row 16-byte aligned; lda one more than a multiple of 4; every item
     * an odd number of floats into its buffer.
     */
    void productsAgreeOn(int[][] shapes) {
        SplittableRandom rnd = new SplittableRandom(21);
        int count = 0;
        for (int[] s : shapes) {
            int m = s[0], n = s[1], k = s[2];
            for (int flags = 0; flags < 16; flags++) {
                boolean transA = (flags & 1) != 0, transB = (flags & 2) != 0, acc = (flags & 4) != 0;
                boolean reluBias = (flags & 8) != 0;
                int layout = count % 3, batch = 1 + count++ % 3;
                int off = layout == 2 ? 1 + 2 * (count % 2) : 0;
                int rowsA = transA ? k : m, rowsB = transB ? n : k;
                int lda = roundUp(transA ? m : k) + (layout == 1 ? 1 : 0), ldb = roundUp(transB ? k : n);
                int ldc = n + count % 2;
                int strideA = roundUp(rowsA * lda), strideB = batch == 3 ? 0 : roundUp(rowsB * ldb) + 4;
                int strideC = m * ldc + 1, strideBias = batch == 2 ? 0 : n;
                float[][] in = {gaussian(rnd, off + batch * strideA + 2),
                    gaussian(rnd, off + batch * Math.max(strideB, rowsB * ldb) + 2),
                    gaussian(rnd, off + batch * strideC + 2), gaussian(rnd, off + batch * n + 1)};
                String what = "gemm fp32 " + m + "x" + n + "x" + k + " flags " + flags + " batch " + batch + " layout "
                        + layout;
                agree(what, in, (be, f, i) -> be.run(TestOps.gemmBatched(batch, transA, transB, m, n, k, f[0], off, lda,
                        strideA, f[1], off, ldb, strideB, f[2], off, ldc, strideC, acc, reluBias ? f[3] : null, off,
                        strideBias, reluBias)));
            }
        }
    }

    private static int roundUp(int floats) {
        return (floats + 3) / 4 * 4;
    }

    /** Two groups of three items, each operand advanced by its group stride, as replicas x modules. */
    @Test
    void groupedProducts() {
        SplittableRandom rnd = new SplittableRandom(22);
        for (int[] s : new int[][] {{257, 1000, 17}, {130, 200, 33}}) {
            for (boolean transA : new boolean[] {false, true}) {
                GroupedGemmCase grouped = new GroupedGemmCase(s[0], s[1], s[2], transA);
                agree("gemm fp32 grouped " + grouped, grouped.inputs(rnd), (be, f, i) -> be.run(grouped.gemm(f)));
            }
        }
    }

    /** Item 3 of a batch of 5 and the same item alone give the same bits: the kernel ignores the item count. */
    @Test
    void aReplicaKeepsItsBitsInAnyGroupSize() {
        SplittableRandom rnd = new SplittableRandom(23);
        for (int[] s : new int[][] {{257, 1000, 17}, {130, 200, 33}}) {
            int m = s[0], n = s[1], k = s[2], items = 5, item = 3;
            int strideA = m * k, strideB = n * k + 1, strideC = m * n;
            float[][] in = {gaussian(rnd, items * strideA), gaussian(rnd, items * strideB),
                gaussian(rnd, items * strideC), gaussian(rnd, items * n)};
            float[] all = KernelAgreement.run(device(), in, new int[0][], (be, f, i) -> be.run(TestOps.gemmBatched(
                    items, false, true, m, n, k, f[0], 0, k, strideA, f[1], 0, k, strideB, f[2], 0, n, strideC, true,
                    f[3], 0, n, true))).floats()[2];
            float[] alone = KernelAgreement.run(device(), in, new int[0][], (be, f, i) -> be.run(TestOps.gemmBatched(
                    1, false, true, m, n, k, f[0], item * strideA, k, 0, f[1], item * strideB, k, 0, f[2],
                    item * strideC, n, 0, true, f[3], item * n, n, true))).floats()[2];
            int from = item * strideC, to = from + strideC;
            assertArrayEquals(Arrays.copyOfRange(alone, from, to), Arrays.copyOfRange(all, from, to),
                    m + "x" + n + "x" + k);
        }
    }
}
