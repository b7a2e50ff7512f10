package modarch.backend.cpu;

import static modarch.backend.cpu.GemmKernels.S;
import static modarch.backend.cpu.GemmKernels.VL;

import jdk.incubator.vector.FloatVector;

/**
 * gemm with n = 1 (a matrix times one column, as in the per-module score units), where the tile kernels would
 * compute 16 columns to keep one: C[i] = act((accumulate ? C[i] : 0) + sum_p op(A)[i][p] * op(B)[p] + bias).
 * Rows of an untransposed A are dot products over p (two vector accumulators, their lanes summed in a fixed
 * order); a transposed A is swept by rows in vectors, each element one FMA chain over p. Either way the
 * order depends only on the shape, so results are deterministic.
 */
final class MatVec {

    private MatVec() {
    }

    /** op(A) is (m, k), op(B) is (k, 1), C is (m, 1) with row stride ldc; see {@link modarch.backend.Backend#gemm}. */
    static void gemv(boolean transA, boolean transB, int m, int k, float[] a, int aOff, int lda,
                     float[] b, int bOff, int ldb, float[] c, int cOff, int ldc,
                     boolean accumulate, float[] bias, int biasOff, boolean relu, GemmWorkspace ws) {
        // op(B) as k contiguous floats: B is (1, k) when transB, else a column with stride ldb
        float[] x = b;
        int xOff = bOff;
        if (!transB && ldb != 1) {
            x = ws.column(k);
            xOff = 0;
            for (int p = 0; p < k; p++) x[p] = b[bOff + p * ldb];
        }
        float add = bias == null ? 0f : bias[biasOff];
        if (transA) {
            columnsOfA(m, k, a, aOff, lda, x, xOff, c, cOff, ldc, accumulate, add, relu, ws.tile);
        } else {
            rowsOfA(m, k, a, aOff, lda, x, xOff, c, cOff, ldc, accumulate, add, relu, ws.tile);
        }
    }

    /** A is (m, k): one dot product per row. */
    private static void rowsOfA(int m, int k, float[] a, int aOff, int lda, float[] x, int xOff,
                                float[] c, int cOff, int ldc, boolean accumulate, float add, boolean relu,
                                float[] lanes) {
        for (int i = 0; i < m; i++) {
            int row = aOff + i * lda;
            FloatVector s0 = FloatVector.zero(S), s1 = FloatVector.zero(S);
            int p = 0;
            for (; p + 2 * VL <= k; p += 2 * VL) {
                s0 = FloatVector.fromArray(S, a, row + p).fma(FloatVector.fromArray(S, x, xOff + p), s0);
                s1 = FloatVector.fromArray(S, a, row + p + VL).fma(FloatVector.fromArray(S, x, xOff + p + VL), s1);
            }
            for (; p + VL <= k; p += VL) {
                s0 = FloatVector.fromArray(S, a, row + p).fma(FloatVector.fromArray(S, x, xOff + p), s0);
            }
            s0.add(s1).intoArray(lanes, 0);
            float sum = 0f;
            for (int l = 0; l < VL; l++) sum += lanes[l];
            for (; p < k; p++) sum = Math.fma(a[row + p], x[xOff + p], sum);
            store(c, cOff + i * ldc, sum, accumulate, add, relu);
        }
    }

    /** A is stored (k, m): rows of C in vectors, each an FMA chain over p. */
    private static void columnsOfA(int m, int k, float[] a, int aOff, int lda, float[] x, int xOff,
                                   float[] c, int cOff, int ldc, boolean accumulate, float add, boolean relu,
                                   float[] sums) {
        int i = 0;
        for (; i + 2 * VL <= m; i += 2 * VL) {
            FloatVector s0 = FloatVector.zero(S), s1 = FloatVector.zero(S);
            for (int p = 0; p < k; p++) {
                FloatVector xp = FloatVector.broadcast(S, x[xOff + p]);
                int col = aOff + p * lda + i;
                s0 = FloatVector.fromArray(S, a, col).fma(xp, s0);
                s1 = FloatVector.fromArray(S, a, col + VL).fma(xp, s1);
            }
            s0.intoArray(sums, 0);
            s1.intoArray(sums, VL);
            for (int l = 0; l < 2 * VL; l++) store(c, cOff + (i + l) * ldc, sums[l], accumulate, add, relu);
        }
        for (; i < m; i++) {
            float sum = 0f;
            for (int p = 0; p < k; p++) sum = Math.fma(a[aOff + p * lda + i], x[xOff + p], sum);
            store(c, cOff + i * ldc, sum, accumulate, add, relu);
        }
    }

    private static void store(float[] c, int ci, float sum, boolean accumulate, float add, boolean relu) {
        float out = (accumulate ? c[ci] : 0f) + sum + add;
        c[ci] = relu && out < 0f ? 0f : out;
    }
}
