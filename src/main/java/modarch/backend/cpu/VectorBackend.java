package modarch.backend.cpu;

import static modarch.backend.cpu.GemmKernels.S;
import static modarch.backend.cpu.GemmKernels.VL;

import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorOperators;
import modarch.backend.Backend;

/**
 * The fast CPU backend: Java Vector API kernels ({@link FloatVector#SPECIES_PREFERRED}, 16 floats on AVX-512,
 * 8 on AVX2), with scalar code for the tails, and gemm spread over a {@link Parallel} pool.
 *
 * <p>Needs the incubator module: run with {@code --add-modules jdk.incubator.vector} (the project sets it once
 * in the compiler, surefire and launcher flags). {@link modarch.backend.Backends} falls back to
 * {@link ScalarBackend} when the module is missing, and {@code -Dmodarch.scalar=true} forces that choice.
 *
 * <p>Results agree with {@link ScalarBackend} to float rounding (gemm sums with FMA, so not bit for bit) and are
 * bit-identical from run to run, whatever the thread count or timing. Once compiled, calls allocate nothing
 * (buffers grow when a thread first meets a larger shape). Safe to call from several threads: a call made while
 * the pool is busy runs on its own thread.
 */
public final class VectorBackend implements Backend {

    private final Parallel parallel;

    /** Uses the common pool, one thread per available processor. */
    public VectorBackend() {
        this(Parallel.common());
    }

    public VectorBackend(Parallel parallel) {
        this.parallel = parallel;
    }

    @Override
    public String name() {
        return "cpu-vector";
    }

    @Override
    public void gemm(boolean transA, boolean transB, int m, int n, int k,
                     float[] a, int aOff, int lda,
                     float[] b, int bOff, int ldb,
                     float[] c, int cOff, int ldc,
                     boolean accumulate, float[] bias, int biasOff, boolean relu) {
        GemmWorkspace.current().call.gemm(parallel, transA, transB, m, n, k, a, aOff, lda, b, bOff, ldb,
                c, cOff, ldc, accumulate, bias, biasOff, relu);
    }

    @Override
    public void reluBackward(int m, int n, float[] y, int yOff, int ldy, float[] d, int dOff, int ldd) {
        int vecN = n - n % VL;
        for (int i = 0; i < m; i++) {
            int yr = yOff + i * ldy, dr = dOff + i * ldd;
            int j = 0;
            for (; j < vecN; j += VL) {
                FloatVector dv = FloatVector.fromArray(S, d, dr + j);
                FloatVector yv = FloatVector.fromArray(S, y, yr + j);
                FloatVector.zero(S).blend(dv, yv.compare(VectorOperators.GT, 0f)).intoArray(d, dr + j);
            }
            for (; j < n; j++) {
                if (!(y[yr + j] > 0f)) d[dr + j] = 0f;
            }
        }
    }

    /** Same sums in the same order (row by row) as the default, four vectors of columns at a time. */
    @Override
    public void columnSumAccumulate(int m, int n, float[] x, int xOff, int ldx, float[] sum, int sumOff) {
        int j = 0;
        for (; j + 4 * VL <= n; j += 4 * VL) {
            int s = sumOff + j;
            FloatVector s0 = FloatVector.fromArray(S, sum, s);
            FloatVector s1 = FloatVector.fromArray(S, sum, s + VL);
            FloatVector s2 = FloatVector.fromArray(S, sum, s + 2 * VL);
            FloatVector s3 = FloatVector.fromArray(S, sum, s + 3 * VL);
            for (int i = 0; i < m; i++) {
                int r = xOff + i * ldx + j;
                s0 = s0.add(FloatVector.fromArray(S, x, r));
                s1 = s1.add(FloatVector.fromArray(S, x, r + VL));
                s2 = s2.add(FloatVector.fromArray(S, x, r + 2 * VL));
                s3 = s3.add(FloatVector.fromArray(S, x, r + 3 * VL));
            }
            s0.intoArray(sum, s);
            s1.intoArray(sum, s + VL);
            s2.intoArray(sum, s + 2 * VL);
            s3.intoArray(sum, s + 3 * VL);
        }
        for (; j + VL <= n; j += VL) {
            FloatVector s0 = FloatVector.fromArray(S, sum, sumOff + j);
            for (int i = 0; i < m; i++) s0 = s0.add(FloatVector.fromArray(S, x, xOff + i * ldx + j));
            s0.intoArray(sum, sumOff + j);
        }
        for (; j < n; j++) {
            float s = sum[sumOff + j];
            for (int i = 0; i < m; i++) s += x[xOff + i * ldx + j];
            sum[sumOff + j] = s;
        }
    }

    /**
     * The default's float math, vectorised; only the denominator differs: sqrt(v) / sqrt(1 - b2^t) is taken in
     * float rather than double (within a few ulps; the tail keeps the default's double form).
     */
    @Override
    public void adamUpdate(int n, float[] param, float[] grad, float[] m, float[] v,
                           float beta1, float beta2, float eps, double stepSize, double biasCorrection2Sqrt) {
        float oneMinusBeta1 = 1f - beta1, oneMinusBeta2 = 1f - beta2;
        float step = (float) stepSize, correction = (float) biasCorrection2Sqrt;
        int vecN = n - n % VL;
        int i = 0;
        for (; i < vecN; i += VL) {
            FloatVector g = FloatVector.fromArray(S, grad, i);
            FloatVector mi = FloatVector.fromArray(S, m, i).mul(beta1).add(g.mul(oneMinusBeta1));
            FloatVector vi = FloatVector.fromArray(S, v, i).mul(beta2).add(g.mul(oneMinusBeta2).mul(g));
            FloatVector denom = vi.lanewise(VectorOperators.SQRT).div(correction).add(eps);
            FloatVector p = FloatVector.fromArray(S, param, i);
            p.sub(mi.div(denom).mul(step)).intoArray(param, i);
            mi.intoArray(m, i);
            vi.intoArray(v, i);
        }
        for (; i < n; i++) {
            float g = grad[i];
            m[i] = beta1 * m[i] + oneMinusBeta1 * g;
            v[i] = beta2 * v[i] + oneMinusBeta2 * g * g;
            float denom = (float) (Math.sqrt(v[i]) / biasCorrection2Sqrt) + eps;
            param[i] -= step * (m[i] / denom);
        }
    }
}
