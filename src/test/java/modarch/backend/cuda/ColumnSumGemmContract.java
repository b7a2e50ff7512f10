package modarch.backend.cuda;

import static modarch.backend.cuda.KernelAgreement.gaussian;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;

import java.util.SplittableRandom;
import modarch.backend.FloatBuf;
import modarch.backend.Mat;
import modarch.backend.Precision;
import modarch.backend.ops.ColumnSumAccumulate;
import modarch.backend.ops.Gemm;
import org.junit.jupiter.api.Test;

/**
 * A bias gradient in its weight gradient's launch ({@link Gemm#columnSums}): the sums over k of op(A)'s rows (A stored
 * transposed, as Linear's dy) or of op(B)'s columns (as GroupLinear's dy), added by the blocks of the first tile
 * column or row of gemm_small, gemm_medium, gemm_tiled and gemm_tf32, over groups and batches. Against the CPU
 * reference within KernelAgreement's bounds: the device sums a column in 8 row groups (column_sums.h), the reference
 * row by row. And bit for bit against the same product followed by its own column_sum_accumulate launch, on every
 * device: one arithmetic, whichever launch sums a bias gradient.
 */
abstract class ColumnSumGemmContract extends DeviceContract {
    private static final int GROUPS = 2, BATCH = 3;

    /** (m, n, k, the precisions run): gemm_small with a long k; gemm_medium; gemm_tiled; one column (score units). */
    private static final Object[][] SHAPES = {
        {40, 50, 300, Precision.values()}, {130, 200, 33, Precision.values()},
        {257, 1000, 17, new Precision[] {Precision.FP32}}, {70, 1, 45, Precision.values()}};

    @Test
    void sumsBesideTheProductAreThoseOfTheirOwnLaunch() {
        sumsAgreeOn(SHAPES);
    }

    /** Each shape {m, n, k, precisions} with sums of a and of b, GROUPS x BATCH items. */
    void sumsAgreeOn(Object[][] shapes) {
        SplittableRandom rnd = new SplittableRandom(31);
        for (Object[] shape : shapes) {
            int m = (int) shape[0], n = (int) shape[1], k = (int) shape[2];
            for (Precision precision : (Precision[]) shape[3]) {
                for (boolean ofA : new boolean[] {true, false}) {
                    ProductWithSums c = new ProductWithSums(m, n, k, ofA, !ofA && rnd.nextBoolean(),
                            ofA && rnd.nextBoolean(), precision);
                    float[][] in = {gaussian(rnd, c.spanA), gaussian(rnd, c.spanB), gaussian(rnd, c.spanC),
                        gaussian(rnd, c.spanSums)};
                    String what = "gemm " + precision + " " + m + "x" + n + "x" + k + " sums of " + (ofA ? "a" : "b");
                    KernelAgreement.check(what, device(), in, new int[0][], (be, f, i) -> be.run(c.fused(f)));
                    float[][] fused = KernelAgreement.run(device(), in, new int[0][], (be, f, i) -> be.run(c.fused(f)))
                            .floats();
                    float[][] apart = KernelAgreement.run(device(), in, new int[0][], (be, f, i) -> {
                        be.run(c.product(f));
                        be.run(c.sums(f));
                    }).floats();
                    for (int j = 0; j < in.length; j++) assertArrayEquals(apart[j], fused[j], what + ", buffer " + j);
                }
            }
        }
    }

    /**
     * GROUPS x BATCH items of an (m, n, k) product, accumulated, with the sums of op(A) (stored (k, m)) or op(B)
     * (stored (k, n)) over k; transA and transB: the other operand's layout.
     */
    private static final class ProductWithSums {
        final int m, n, k, count;
        final boolean ofA, transA, transB;
        final Precision precision;
        final int lda, ldb, strideA, strideB, groupStrideA, groupStrideB, strideC, groupStrideC, groupStrideSums;
        final int spanA, spanB, spanC, spanSums;

        ProductWithSums(int m, int n, int k, boolean ofA, boolean transA, boolean transB, Precision precision) {
            this.m = m;
            this.n = n;
            this.k = k;
            this.ofA = ofA;
            this.transA = ofA || transA;
            this.transB = !ofA && transB;
            this.precision = precision;
            this.count = ofA ? m : n;
            lda = (this.transA ? m : k) + 1;
            ldb = (this.transB ? k : n) + 2;
            strideA = (this.transA ? k : m) * lda + 3;
            strideB = (this.transB ? n : k) * ldb + 1;
            groupStrideA = BATCH * strideA + 5;
            groupStrideB = BATCH * strideB;
            strideC = m * n + 1;
            groupStrideC = BATCH * strideC;
            groupStrideSums = BATCH * count + 2;
            spanA = GROUPS * groupStrideA;
            spanB = GROUPS * groupStrideB;
            spanC = GROUPS * groupStrideC;
            spanSums = GROUPS * groupStrideSums;
        }

        Gemm product(FloatBuf[] f) {
            Mat a = new Mat("a", f[0], 1, BATCH, strideA, transA ? k : m, transA ? m : k, lda);
            Mat b = new Mat("b", f[1], 0, BATCH, strideB, transB ? n : k, transB ? k : n, ldb);
            Mat c = new Mat("c", f[2], 0, BATCH, strideC, m, n, n);
            return Gemm.of(a, transA, b, transB, c).accumulate(true).precision(precision)
                    .groups(new Gemm.Groups(GROUPS, groupStrideA, groupStrideB, groupStrideC, 0));
        }

        ColumnSumAccumulate sums(FloatBuf[] f) {
            Gemm product = product(f);
            return new ColumnSumAccumulate(ofA ? product.a() : product.b(), Mat.items("sums", f[3], 1, BATCH, count,
                    count), GROUPS, ofA ? groupStrideA : groupStrideB, groupStrideSums);
        }

        Gemm fused(FloatBuf[] f) {
            return product(f).columnSums(sums(f));
        }
    }
}
