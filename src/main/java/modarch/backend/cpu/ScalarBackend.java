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
    public void fill(int n, float value, FloatBuf x, int off) {
        Arrays.fill(array(x), off, off + n, value);
    }

    @Override
    public void reluBackward(int m, int n, FloatBuf yBuf, int yOff, int ldy, FloatBuf dBuf, int dOff, int ldd) {
        float[] y = array(yBuf), d = array(dBuf);
        for (int i = 0; i < m; i++) {
            int yr = yOff + i * ldy, dr = dOff + i * ldd;
            for (int j = 0; j < n; j++) {
                if (y[yr + j] <= 0f) d[dr + j] = 0f;
            }
        }
    }

    @Override
    public void columnSumAccumulate(int batch, int m, int n, FloatBuf xBuf, int xOff, int ldx, int strideX,
                                    FloatBuf sumBuf, int sumOff, int strideSum) {
        float[] x = array(xBuf), sum = array(sumBuf);
        for (int item = 0; item < batch; item++) {
            for (int i = 0; i < m; i++) {
                int r = xOff + item * strideX + i * ldx, s = sumOff + item * strideSum;
                for (int j = 0; j < n; j++) sum[s + j] += x[r + j];
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

    @Override
    public void scaleBlocks(int m, int blocks, int w, FloatBuf srcBuf, int srcOff, FloatBuf scaleBuf, int scaleOff,
                            FloatBuf dstBuf, int dstOff) {
        float[] src = array(srcBuf), scale = array(scaleBuf), dst = array(dstBuf);
        for (int i = 0; i < m; i++) {
            for (int g = 0; g < blocks; g++) {
                float s = scale[scaleOff + i * blocks + g];
                int base = i * blocks * w + g * w;
                for (int j = 0; j < w; j++) dst[dstOff + base + j] = s * src[srcOff + base + j];
            }
        }
    }

    @Override
    public void blockDotAccumulate(int m, int blocks, int w, FloatBuf xBuf, int xOff, FloatBuf yBuf, int yOff,
                                   FloatBuf outBuf, int outOff) {
        float[] x = array(xBuf), y = array(yBuf), out = array(outBuf);
        for (int i = 0; i < m; i++) {
            for (int g = 0; g < blocks; g++) {
                int base = i * blocks * w + g * w;
                float sum = 0f;
                for (int j = 0; j < w; j++) sum += x[xOff + base + j] * y[yOff + base + j];
                out[outOff + i * blocks + g] += sum;
            }
        }
    }

    @Override
    public void softmaxRows(int m, int n, FloatBuf xBuf, int xOff, FloatBuf yBuf, int yOff) {
        softmaxRange(0, m, n, array(xBuf), xOff, array(yBuf), yOff);
    }

    /** Softmax of rows [from, to) of n: the max first, exp and sum in column order, one reciprocal per row. */
    static void softmaxRange(int from, int to, int n, float[] x, int xOff, float[] y, int yOff) {
        for (int i = from; i < to; i++) {
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

    @Override
    public void softmaxRowsBackward(int m, int n, FloatBuf yBuf, int yOff, FloatBuf dyBuf, int dyOff,
                                    FloatBuf dxBuf, int dxOff) {
        softmaxBackwardRange(0, m, n, array(yBuf), yOff, array(dyBuf), dyOff, array(dxBuf), dxOff);
    }

    /** Softmax backward of rows [from, to) of n: dx = y * (dy - sum_j y_j dy_j). */
    static void softmaxBackwardRange(int from, int to, int n, float[] y, int yOff, float[] dy, int dyOff,
                                     float[] dx, int dxOff) {
        for (int i = from; i < to; i++) {
            int r = i * n;
            float dot = 0f;
            for (int j = 0; j < n; j++) dot += y[yOff + r + j] * dy[dyOff + r + j];
            for (int j = 0; j < n; j++) dx[dxOff + r + j] = y[yOff + r + j] * (dy[dyOff + r + j] - dot);
        }
    }

    @Override
    public void oneHot(int n, int classes, IntBuf indexBuf, int indexOff, FloatBuf outBuf, int outOff) {
        int[] index = HostIntBuf.array(indexBuf);
        float[] out = array(outBuf);
        Arrays.fill(out, outOff, outOff + n * classes, 0f);
        for (int i = 0; i < n; i++) {
            int c = index[indexOff + i];
            if (c < 0 || c >= classes) throw new IllegalArgumentException("one-hot index " + c + " outside 0.." + (classes - 1));
            out[outOff + i * classes + c] = 1f;
        }
    }

}
