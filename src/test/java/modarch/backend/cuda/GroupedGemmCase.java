package modarch.backend.cuda;

import static modarch.backend.cuda.KernelAgreement.gaussian;

import java.util.SplittableRandom;
import modarch.backend.FloatBuf;
import modarch.backend.Mat;
import modarch.backend.TestOps;
import modarch.backend.ops.Gemm;

/**
 * Two groups of three (m, n, k) products, as replicas x modules, with padded rows and gaps between items and groups:
 * C += op(A) B + bias through a ReLU, then masked by a mask laid out as C (random signs, zeros of both signs and a
 * NaN), over buffers a, b, c, bias and mask ({@link #inputs}).
 */
record GroupedGemmCase(int m, int n, int k, boolean transA) {
    private static final int GROUPS = 2, BATCH = 3;

    private int lda() {
        return (transA ? m : k) + 1;
    }

    private int strideA() {
        return (transA ? k : m) * lda();
    }

    private int groupA() {
        return BATCH * strideA() + 3;
    }

    private int groupB() {
        return BATCH * k * n + 1;
    }

    private int groupC() {
        return BATCH * m * (n + 2) + 5;
    }

    private int groupBias() {
        return BATCH * n + 2;
    }

    /** Random a, b, c, bias and mask buffers, each a little longer than its views. */
    float[][] inputs(SplittableRandom rnd) {
        float[] mask = gaussian(rnd, GROUPS * groupC() + 1);
        mask[1] = 0f;
        mask[2] = -0f;
        mask[mask.length / 2] = Float.NaN;
        return new float[][] {gaussian(rnd, GROUPS * groupA() + 1), gaussian(rnd, GROUPS * groupB() + 1),
            gaussian(rnd, GROUPS * groupC() + 1), gaussian(rnd, GROUPS * groupBias()), mask};
    }

    /** The grouped product over buffers f (a, b, c, bias, mask). */
    Gemm gemm(FloatBuf[] f) {
        int ldc = n + 2;
        return TestOps.gemmGrouped(GROUPS, groupA(), groupB(), groupC(), groupBias(), BATCH, transA, false, m, n, k,
                f[0], 1, lda(), strideA(), f[1], 0, n, k * n, f[2], 1, ldc, m * ldc, true, f[3], 0, n, true)
                .mask(new Mat("mask", f[4], 1, BATCH, m * ldc, m, n, ldc));
    }

    @Override
    public String toString() {
        return m + "x" + n + "x" + k + (transA ? " transA" : "");
    }
}
