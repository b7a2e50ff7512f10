package modarch.backend;

/**
 * The numeric primitives every layer runs on. Matrices are row-major float arrays addressed
 * BLAS-style by an offset and a leading dimension, so one call can work on a slice of a
 * larger tensor (one replica, one module block). Implementations must give the same meaning
 * as {@link modarch.backend.cpu.ScalarBackend}, the reference.
 */
public interface Backend {

    /** A short name for logs and config.json, e.g. "cpu-vector". */
    String name();

    /**
     * General matrix product with a fused epilogue:
     * {@code C = act((accumulate ? C : 0) + op(A) * op(B) + bias)}.
     *
     * <ul>
     *   <li>op(A) is (m, k): A is stored (m, k) with row stride lda, or (k, m) when transA;</li>
     *   <li>op(B) is (k, n): B is stored (k, n) with row stride ldb, or (n, k) when transB;</li>
     *   <li>C is (m, n) with row stride ldc;</li>
     *   <li>bias, when not null, is (n) starting at biasOff and is added to every row;</li>
     *   <li>act is ReLU when relu is true, identity otherwise.</li>
     * </ul>
     * k may be 0 (then C gets only the accumulate/bias/act part).
     */
    void gemm(boolean transA, boolean transB, int m, int n, int k,
              float[] a, int aOff, int lda,
              float[] b, int bOff, int ldb,
              float[] c, int cOff, int ldc,
              boolean accumulate, float[] bias, int biasOff, boolean relu);

    /** Plain product without accumulate, bias or activation. */
    default void matmul(boolean transA, boolean transB, int m, int n, int k,
                        float[] a, int aOff, int lda,
                        float[] b, int bOff, int ldb,
                        float[] c, int cOff, int ldc) {
        gemm(transA, transB, m, n, k, a, aOff, lda, b, bOff, ldb, c, cOff, ldc, false, null, 0, false);
    }

    /** Like {@link #matmul} but adds into C (gradient accumulation). */
    default void matmulAccumulate(boolean transA, boolean transB, int m, int n, int k,
                                  float[] a, int aOff, int lda,
                                  float[] b, int bOff, int ldb,
                                  float[] c, int cOff, int ldc) {
        gemm(transA, transB, m, n, k, a, aOff, lda, b, bOff, ldb, c, cOff, ldc, true, null, 0, false);
    }

    /**
     * ReLU backward in place: {@code d[i] = y[i] > 0 ? d[i] : 0} for m rows of n columns,
     * d with row stride ldd, y with row stride ldy.
     */
    default void reluBackward(int m, int n, float[] y, int yOff, int ldy, float[] d, int dOff, int ldd) {
        for (int i = 0; i < m; i++) {
            int yr = yOff + i * ldy, dr = dOff + i * ldd;
            for (int j = 0; j < n; j++) {
                if (!(y[yr + j] > 0f)) d[dr + j] = 0f;
            }
        }
    }

    /** {@code sum[j] += sum_i x[i][j]} over m rows of n columns (bias gradients). */
    default void columnSumAccumulate(int m, int n, float[] x, int xOff, int ldx, float[] sum, int sumOff) {
        for (int i = 0; i < m; i++) {
            int r = xOff + i * ldx;
            for (int j = 0; j < n; j++) sum[sumOff + j] += x[r + j];
        }
    }

    /**
     * One Adam step with PyTorch's semantics (no weight decay, no amsgrad) over n values:
     * {@code m = b1 m + (1-b1) g; v = b2 v + (1-b2) g^2;
     * p -= lr * (m / (1-b1^t)) / (sqrt(v / (1-b2^t)) + eps)}.
     * stepSize is lr / (1 - b1^t) and biasCorrection2Sqrt is sqrt(1 - b2^t), both computed
     * by the caller in double as PyTorch does.
     */
    default void adamUpdate(int n, float[] param, float[] grad, float[] m, float[] v,
                            float beta1, float beta2, float eps, double stepSize, double biasCorrection2Sqrt) {
        for (int i = 0; i < n; i++) {
            float g = grad[i];
            m[i] = beta1 * m[i] + (1f - beta1) * g;
            v[i] = beta2 * v[i] + (1f - beta2) * g * g;
            float denom = (float) (Math.sqrt(v[i]) / biasCorrection2Sqrt) + eps;
            param[i] -= (float) stepSize * (m[i] / denom);
        }
    }
}
