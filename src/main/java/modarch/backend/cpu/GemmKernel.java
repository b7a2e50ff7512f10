package modarch.backend.cpu;

import modarch.backend.Precision;

/**
 * One product on host arrays, in a CPU backend's own arithmetic: {@code C = act((accumulate ? C : 0) + op(A) . op(B)
 * + bias)} with op(A) (m, k), op(B) (k, n), C (m, n) at the given offsets and row strides, in the given precision
 * (the meaning of {@link modarch.backend.ops.Gemm} for one item). What {@link SegmentedGemm} runs per segment.
 */
@FunctionalInterface
public interface GemmKernel {
    void gemm(Precision precision, boolean transA, boolean transB, int m, int n, int k, float[] a, int aOff, int lda,
              float[] b, int bOff, int ldb, float[] c, int cOff, int ldc, boolean accumulate, float[] bias, int biasOff,
              boolean relu);
}
