package modarch.backend.cpu;

import static modarch.backend.cpu.HostFloatBuf.array;

import java.util.Arrays;
import modarch.backend.Backend;
import modarch.backend.FloatBuf;
import modarch.backend.IntBuf;
import modarch.backend.Op;

/**
 * The reference backend: plain loops over heap arrays, float accumulation in k order. Slow and obviously right;
 * every other backend is tested against it. An {@link Op} runs its own reference; this class holds none of an op's
 * code.
 */
public final class ScalarBackend implements Backend {
    /** A pool of the calling thread alone: the reference runs every loop there. */
    private static final Parallel CALLER = new Parallel(1);

    @Override
    public String name() {
        return "cpu-scalar";
    }

    @Override
    public FloatBuf allocFloats(int n) {
        return new HostFloatBuf(n);
    }

    @Override
    public IntBuf allocInts(int n) {
        return new HostIntBuf(n);
    }

    @Override
    public void upload(float[] src, int srcOff, FloatBuf dst, int dstOff, int n) {
        System.arraycopy(src, srcOff, array(dst), dstOff, n);
    }

    @Override
    public void upload(int[] src, int srcOff, IntBuf dst, int dstOff, int n) {
        System.arraycopy(src, srcOff, HostIntBuf.array(dst), dstOff, n);
    }

    @Override
    public void download(FloatBuf src, int srcOff, float[] dst, int dstOff, int n) {
        System.arraycopy(array(src), srcOff, dst, dstOff, n);
    }

    @Override
    public void download(IntBuf src, int srcOff, int[] dst, int dstOff, int n) {
        System.arraycopy(HostIntBuf.array(src), srcOff, dst, dstOff, n);
    }

    @Override
    public void close() {
        // nothing held beyond the buffers
    }

    @Override
    public void run(Op op) {
        op.reference(CALLER);
    }

    @Override
    public void gemmBatched(int batch, boolean transA, boolean transB, int m, int n, int k,
                            FloatBuf aBuf, int aOff, int lda, int strideA,
                            FloatBuf bBuf, int bOff, int ldb, int strideB,
                            FloatBuf cBuf, int cOff, int ldc, int strideC,
                            boolean accumulate, FloatBuf biasBuf, int biasOff, int strideBias, boolean relu) {
        float[] a = array(aBuf), b = array(bBuf), c = array(cBuf), bias = array(biasBuf);
        for (int item = 0; item < batch; item++) {
            int ai = aOff + item * strideA, bi = bOff + item * strideB, ci0 = cOff + item * strideC;
            int biasi = biasOff + item * strideBias;
            for (int i = 0; i < m; i++) {
                for (int j = 0; j < n; j++) {
                    float sum = 0f;
                    for (int p = 0; p < k; p++) {
                        float av = transA ? a[ai + p * lda + i] : a[ai + i * lda + p];
                        float bv = transB ? b[bi + j * ldb + p] : b[bi + p * ldb + j];
                        sum += av * bv;
                    }
                    int ci = ci0 + i * ldc + j;
                    float out = (accumulate ? c[ci] : 0f) + sum + (bias == null ? 0f : bias[biasi + j]);
                    c[ci] = relu && out < 0f ? 0f : out;
                }
            }
        }
    }

    @Override
    public void copy(int batch, int m, int n, FloatBuf srcBuf, int srcOff, int lds, int strideSrc,
                     FloatBuf dstBuf, int dstOff, int ldd, int strideDst) {
        float[] src = array(srcBuf), dst = array(dstBuf);
        for (int item = 0; item < batch; item++) {
            for (int i = 0; i < m; i++) {
                System.arraycopy(src, srcOff + item * strideSrc + i * lds, dst, dstOff + item * strideDst + i * ldd, n);
            }
        }
    }

    @Override
    public void addInto(int batch, int m, int n, FloatBuf srcBuf, int srcOff, int lds, int strideSrc,
                        FloatBuf dstBuf, int dstOff, int ldd, int strideDst) {
        float[] src = array(srcBuf), dst = array(dstBuf);
        for (int item = 0; item < batch; item++) {
            for (int i = 0; i < m; i++) {
                int s = srcOff + item * strideSrc + i * lds, d = dstOff + item * strideDst + i * ldd;
                for (int j = 0; j < n; j++) dst[d + j] += src[s + j];
            }
        }
    }

}
