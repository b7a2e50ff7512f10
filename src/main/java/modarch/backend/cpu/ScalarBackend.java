package modarch.backend.cpu;

import modarch.backend.Backend;

/** The reference backend: plain loops, float accumulation in k order. Slow and obviously right. */
public final class ScalarBackend implements Backend {

    @Override
    public String name() {
        return "cpu-scalar";
    }

    @Override
    public void gemm(boolean transA, boolean transB, int m, int n, int k,
                     float[] a, int aOff, int lda,
                     float[] b, int bOff, int ldb,
                     float[] c, int cOff, int ldc,
                     boolean accumulate, float[] bias, int biasOff, boolean relu) {
        for (int i = 0; i < m; i++) {
            for (int j = 0; j < n; j++) {
                float sum = 0f;
                for (int p = 0; p < k; p++) {
                    float av = transA ? a[aOff + p * lda + i] : a[aOff + i * lda + p];
                    float bv = transB ? b[bOff + j * ldb + p] : b[bOff + p * ldb + j];
                    sum += av * bv;
                }
                int ci = cOff + i * ldc + j;
                float out = (accumulate ? c[ci] : 0f) + sum + (bias == null ? 0f : bias[biasOff + j]);
                c[ci] = relu && !(out > 0f) ? 0f : out;
            }
        }
    }
}
