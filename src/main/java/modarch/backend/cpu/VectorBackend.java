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
 * bit-identical from run to run, whatever the thread count or timing (gemm and large Adam updates use the pool).
 * Once compiled, calls allocate nothing (buffers grow when a thread first meets a larger shape). Safe to call
 * from several threads: a call made while the pool is busy runs on its own thread.
 */
public final class VectorBackend implements Backend {

    /**
     * From this many values on, an Adam update is split across the pool (measured: 262k values 174 -> 78 us,
     * 16k values 10.9 -> 5.6 us on two cores); a parallel loop costs a few microseconds.
     */
    static final int ADAM_PARALLEL_MIN = 16 * 1024;
    /** Values per unit of the split: whole cache lines, so threads never write the same line. */
    private static final int ADAM_UNIT = 256;

    private static final ThreadLocal<AdamCall> ADAM_CALLS = ThreadLocal.withInitial(AdamCall::new);

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

    /** The default's sums, one vector of columns at a time. */
    @Override
    public void addInto(int m, int n, float[] src, int srcOff, int lds, float[] dst, int dstOff, int ldd) {
        for (int i = 0; i < m; i++) {
            int s = srcOff + i * lds, d = dstOff + i * ldd;
            int j = 0;
            for (; j + VL <= n; j += VL) {
                FloatVector.fromArray(S, dst, d + j).add(FloatVector.fromArray(S, src, s + j)).intoArray(dst, d + j);
            }
            for (; j < n; j++) dst[d + j] += src[s + j];
        }
    }

    /** The default's products, one vector of a block at a time. */
    @Override
    public void scaleBlocks(int m, int blocks, int w, float[] src, int srcOff, float[] scale, int scaleOff,
                            float[] dst, int dstOff) {
        for (int i = 0; i < m; i++) {
            for (int g = 0; g < blocks; g++) {
                float f = scale[scaleOff + i * blocks + g];
                int base = i * blocks * w + g * w, s = srcOff + base, d = dstOff + base;
                int j = 0;
                for (; j + VL <= w; j += VL) FloatVector.fromArray(S, src, s + j).mul(f).intoArray(dst, d + j);
                for (; j < w; j++) dst[d + j] = f * src[s + j];
            }
        }
    }

    /**
     * The default's float math for m and v (bit for bit); the step is rearranged to one division per value:
     * {@code p -= (stepSize * c) * m / (sqrt(v) + eps * c)} with c = sqrt(1 - b2^t), which equals the default's
     * {@code stepSize * (m / (sqrt(v) / c + eps))} up to a few float roundings (the square root is taken in
     * float). Vector lanes and the scalar tail do the same operations, so every value gets the same bits however
     * the range is cut; from {@link #ADAM_PARALLEL_MIN} values on, the range is split across the pool.
     */
    @Override
    public void adamUpdate(int n, float[] param, float[] grad, float[] m, float[] v,
                           float beta1, float beta2, float eps, double stepSize, double biasCorrection2Sqrt) {
        float step = (float) (stepSize * biasCorrection2Sqrt), epsScaled = (float) (eps * biasCorrection2Sqrt);
        if (n < ADAM_PARALLEL_MIN || parallel.threads() == 1) {
            adamRange(0, n, param, grad, m, v, beta1, beta2, epsScaled, step);
            return;
        }
        AdamCall call = ADAM_CALLS.get();
        call.set(n, param, grad, m, v, beta1, beta2, epsScaled, step);
        try {
            parallel.parallelFor((n + ADAM_UNIT - 1) / ADAM_UNIT, call);
        } finally {
            call.set(0, null, null, null, null, 0f, 0f, 0f, 0f);
        }
    }

    /** One calling thread's Adam update, handed to the pool without allocating. */
    private static final class AdamCall implements Parallel.IntRangeBody {
        private int n;
        private float[] param, grad, m, v;
        private float beta1, beta2, epsScaled, step;

        void set(int n, float[] param, float[] grad, float[] m, float[] v,
                 float beta1, float beta2, float epsScaled, float step) {
            this.n = n;
            this.param = param;
            this.grad = grad;
            this.m = m;
            this.v = v;
            this.beta1 = beta1;
            this.beta2 = beta2;
            this.epsScaled = epsScaled;
            this.step = step;
        }

        @Override
        public void run(int from, int to) {
            adamRange(from * ADAM_UNIT, Math.min(n, to * ADAM_UNIT), param, grad, m, v, beta1, beta2, epsScaled, step);
        }
    }

    /** Adam on values [from, to); step is stepSize * c and epsScaled is eps * c, c = sqrt(1 - b2^t). */
    private static void adamRange(int from, int to, float[] param, float[] grad, float[] m, float[] v,
                                  float beta1, float beta2, float epsScaled, float step) {
        float oneMinusBeta1 = 1f - beta1, oneMinusBeta2 = 1f - beta2;
        int i = from;
        for (; i + VL <= to; i += VL) {
            FloatVector g = FloatVector.fromArray(S, grad, i);
            FloatVector mi = FloatVector.fromArray(S, m, i).mul(beta1).add(g.mul(oneMinusBeta1));
            FloatVector vi = FloatVector.fromArray(S, v, i).mul(beta2).add(g.mul(oneMinusBeta2).mul(g));
            FloatVector denom = vi.lanewise(VectorOperators.SQRT).add(epsScaled);
            FloatVector p = FloatVector.fromArray(S, param, i);
            p.sub(mi.mul(step).div(denom)).intoArray(param, i);
            mi.intoArray(m, i);
            vi.intoArray(v, i);
        }
        for (; i < to; i++) {
            float g = grad[i];
            float mi = beta1 * m[i] + oneMinusBeta1 * g;
            float vi = beta2 * v[i] + oneMinusBeta2 * g * g;
            m[i] = mi;
            v[i] = vi;
            // the float square root is correctly rounded, as the vector lanes' is
            param[i] -= mi * step / ((float) Math.sqrt(vi) + epsScaled);
        }
    }
}
