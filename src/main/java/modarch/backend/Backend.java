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

    /** Copies an (m, n) block: {@code dst[i][j] = src[i][j]} with the given row strides. */
    default void copy(int m, int n, float[] src, int srcOff, int lds, float[] dst, int dstOff, int ldd) {
        for (int i = 0; i < m; i++) System.arraycopy(src, srcOff + i * lds, dst, dstOff + i * ldd, n);
    }

    /** {@code dst[i][j] += src[i][j]} over an (m, n) block. */
    default void addInto(int m, int n, float[] src, int srcOff, int lds, float[] dst, int dstOff, int ldd) {
        for (int i = 0; i < m; i++) {
            for (int j = 0; j < n; j++) dst[dstOff + i * ldd + j] += src[srcOff + i * lds + j];
        }
    }

    /**
     * Scales blocks of a row by per-block factors: for rows i and blocks g,
     * {@code dst[i][g*w + j] = scale[i][g] * src[i][g*w + j]} (j < w). src and dst are (m, blocks*w),
     * scale is (m, blocks), all contiguous.
     */
    default void scaleBlocks(int m, int blocks, int w, float[] src, int srcOff, float[] scale, int scaleOff,
                             float[] dst, int dstOff) {
        for (int i = 0; i < m; i++) {
            for (int g = 0; g < blocks; g++) {
                float s = scale[scaleOff + i * blocks + g];
                int base = i * blocks * w + g * w;
                for (int j = 0; j < w; j++) dst[dstOff + base + j] = s * src[srcOff + base + j];
            }
        }
    }

    /**
     * Adds per-block dot products: {@code out[i][g] += sum_j x[i][g*w + j] * y[i][g*w + j]}.
     * x and y are (m, blocks*w), out is (m, blocks), all contiguous.
     */
    default void blockDotAccumulate(int m, int blocks, int w, float[] x, int xOff, float[] y, int yOff,
                                    float[] out, int outOff) {
        for (int i = 0; i < m; i++) {
            for (int g = 0; g < blocks; g++) {
                int base = i * blocks * w + g * w;
                float sum = 0f;
                for (int j = 0; j < w; j++) sum += x[xOff + base + j] * y[yOff + base + j];
                out[outOff + i * blocks + g] += sum;
            }
        }
    }

    /** Row-wise softmax of an (m, n) contiguous block, max-subtracted as PyTorch does. */
    default void softmaxRows(int m, int n, float[] x, int xOff, float[] y, int yOff) {
        for (int i = 0; i < m; i++) {
            int r = i * n;
            float max = Float.NEGATIVE_INFINITY;
            for (int j = 0; j < n; j++) max = Math.max(max, x[xOff + r + j]);
            float sum = 0f;
            for (int j = 0; j < n; j++) {
                float e = (float) Math.exp(x[xOff + r + j] - max);
                y[yOff + r + j] = e;
                sum += e;
            }
            float inv = 1f / sum;
            for (int j = 0; j < n; j++) y[yOff + r + j] *= inv;
        }
    }

    /** Softmax backward per row: {@code dx = y * (dy - sum_j y_j dy_j)}; (m, n) contiguous blocks. */
    default void softmaxRowsBackward(int m, int n, float[] y, int yOff, float[] dy, int dyOff, float[] dx, int dxOff) {
        for (int i = 0; i < m; i++) {
            int r = i * n;
            float dot = 0f;
            for (int j = 0; j < n; j++) dot += y[yOff + r + j] * dy[dyOff + r + j];
            for (int j = 0; j < n; j++) dx[dxOff + r + j] = y[yOff + r + j] * (dy[dyOff + r + j] - dot);
        }
    }

    /**
     * Mean L1 loss over n predictions ({@code mean |p - t|}), returned in double; writes its gradient
     * {@code sign(p - t) / n} (sign(0) = 0, as PyTorch) into grad.
     */
    default double l1Loss(int n, float[] pred, int predOff, float[] target, int targetOff, float[] grad, int gradOff) {
        double sum = 0;
        float scale = 1f / n;
        for (int i = 0; i < n; i++) {
            float d = pred[predOff + i] - target[targetOff + i];
            sum += Math.abs(d);
            grad[gradOff + i] = Math.signum(d) * scale;
        }
        return sum / n;
    }

    /**
     * Mean binary cross-entropy with logits over n values,
     * {@code mean(max(x, 0) - x t + log(1 + exp(-|x|)))}, returned in double; writes its gradient
     * {@code (sigmoid(x) - t) / n} into grad.
     */
    default double bceWithLogitsLoss(int n, float[] logit, int logitOff, float[] target, int targetOff,
                                     float[] grad, int gradOff) {
        double sum = 0;
        float scale = 1f / n;
        for (int i = 0; i < n; i++) {
            float x = logit[logitOff + i];
            float t = target[targetOff + i];
            sum += Math.max(x, 0f) - x * t + Math.log1p(Math.exp(-Math.abs(x)));
            float sigmoid = (float) (1.0 / (1.0 + Math.exp(-x)));
            grad[gradOff + i] = (sigmoid - t) * scale;
        }
        return sum / n;
    }

    /** One-hot rows: {@code out[i][j] = (j == index[i]) ? 1 : 0} for n rows of classes columns. */
    default void oneHot(int n, int classes, int[] index, int indexOff, float[] out, int outOff) {
        java.util.Arrays.fill(out, outOff, outOff + n * classes, 0f);
        for (int i = 0; i < n; i++) out[outOff + i * classes + index[indexOff + i]] = 1f;
    }
}
