package modarch.backend.cpu;

import modarch.backend.Precision;

/**
 * A TF32 or 3xTF32 product on the vector kernels: for each pass of the precision, op(A) and op(B) as that pass
 * reads them ({@link Precision#operand}) are written into this thread's scratch in their stored layout, then one
 * FP32 gemm adds the pass into C, the epilogue (bias, ReLU) with the last. The products of TF32 values are exact in
 * FP32, so the kernels' fused multiply-adds round only the sums; the passes add in the reference's order (small
 * products first), each after the C of the one before, which agrees with the reference to float rounding.
 */
final class RoundedGemm {
    private static final ThreadLocal<RoundedGemm> CURRENT = ThreadLocal.withInitial(RoundedGemm::new);

    private float[] a = new float[0]; // op(A)'s pass values, stored (rows, cols) contiguous
    private float[] b = new float[0];

    private RoundedGemm() {
    }

    static void gemm(Parallel parallel, Precision precision, boolean transA, boolean transB, int m, int n, int k,
                     float[] a, int aOff, int lda, float[] b, int bOff, int ldb, float[] c, int cOff, int ldc,
                     boolean accumulate, float[] bias, int biasOff, boolean relu) {
        RoundedGemm scratch = CURRENT.get();
        int aRows = transA ? k : m, aCols = transA ? m : k;
        int bRows = transB ? n : k, bCols = transB ? k : n;
        if (scratch.a.length < aRows * aCols) scratch.a = new float[aRows * aCols];
        if (scratch.b.length < bRows * bCols) scratch.b = new float[bRows * bCols];
        int passes = precision.passes();
        for (int pass = 0; pass < passes; pass++) {
            round(precision, pass, true, a, aOff, lda, aRows, aCols, scratch.a);
            round(precision, pass, false, b, bOff, ldb, bRows, bCols, scratch.b);
            boolean last = pass == passes - 1;
            GemmWorkspace.current().call.gemm(parallel, transA, transB, m, n, k, scratch.a, 0, aCols, scratch.b, 0,
                    bCols, c, cOff, ldc, pass > 0 || accumulate, last ? bias : null, biasOff, last && relu);
        }
    }

    /** to (rows, cols) = x's (rows, cols) at off with row stride ld, as pass reads it. */
    private static void round(Precision precision, int pass, boolean isA, float[] x, int off, int ld, int rows,
                              int cols, float[] to) {
        for (int r = 0; r < rows; r++) {
            for (int col = 0; col < cols; col++) to[r * cols + col] = precision.operand(pass, x[off + r * ld + col], isA);
        }
    }
}
