package modarch.backend;

import static modarch.backend.ops.TensorCoreGemm.THREE_TF32;

/**
 * The products of the tensor-core GEMM (kernels/gemm_tc.cu) in plain Java, in the order the emulated device's mma
 * sums them, so that the emulator gives these bits exactly: per element, acc starts at 0 and k runs in steps of 8
 * (the last step padded with zeros), each step adding, for p in order, {@code a_small * b_big}, then
 * {@code a_big * b_small} (3xTF32 only), then {@code a_big * b_big}, each addition rounded to float (the products of
 * TF32 values are exact in float); then gemm.cu's epilogue.
 */
public final class Tf32Reference {
    private static final int K_STEP = 8;

    private Tf32Reference() {
    }

    /** cvt.rna.tf32.f32: x to 10 mantissa bits, to nearest, ties away from zero; Inf and NaN stay. */
    public static float round(float x) {
        if (!Float.isFinite(x)) return x;
        return Float.intBitsToFloat((Float.floatToRawIntBits(x) + 0x1000) & ~0x1fff);
    }

    /** The TF32 rest of x: round(x - round(x)). */
    public static float small(float x) {
        return round(x - round(x));
    }

    /**
     * One product, as Gemm.item's arguments (op(A) (m, k), op(B) (k, n), C (m, n) at their offsets and row strides),
     * at precision TensorCoreGemm.TF32 or THREE_TF32.
     */
    public static void item(int precision, boolean transA, boolean transB, int m, int n, int k, float[] a, int aOff,
                            int lda, float[] b, int bOff, int ldb, float[] c, int cOff, int ldc, boolean accumulate,
                            float[] bias, int biasOff, boolean relu) {
        int padded = (k + K_STEP - 1) / K_STEP * K_STEP;
        float[] ai = new float[padded], bj = new float[padded]; // row i of op(A), column j of op(B), zero beyond k
        for (int i = 0; i < m; i++) {
            for (int p = 0; p < k; p++) ai[p] = transA ? a[aOff + p * lda + i] : a[aOff + i * lda + p];
            for (int j = 0; j < n; j++) {
                for (int p = 0; p < k; p++) bj[p] = transB ? b[bOff + j * ldb + p] : b[bOff + p * ldb + j];
                float sum = dot(precision, ai, bj);
                int ci = cOff + i * ldc + j;
                float out = (accumulate ? c[ci] : 0f) + sum + (bias == null ? 0f : bias[biasOff + j]);
                c[ci] = relu && out < 0f ? 0f : out;
            }
        }
    }

    /** The sum of x[p] y[p] over x's length (a multiple of 8) in the tensor cores' order at precision. */
    static float dot(int precision, float[] x, float[] y) {
        float acc = 0f;
        for (int p0 = 0; p0 < x.length; p0 += K_STEP) {
            if (precision == THREE_TF32) {
                for (int p = p0; p < p0 + K_STEP; p++) acc += small(x[p]) * round(y[p]);
                for (int p = p0; p < p0 + K_STEP; p++) acc += round(x[p]) * small(y[p]);
            }
            for (int p = p0; p < p0 + K_STEP; p++) acc += round(x[p]) * round(y[p]);
        }
        return acc;
    }
}
