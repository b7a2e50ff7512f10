package modarch.task;

import java.util.Arrays;

/**
 * numpy's legacy {@code numpy.random.RandomState(seed)} for an integer seed, bit for bit:
 * MT19937 seeded as {@code MT19937._legacy_seeding} does for an int, the 53-bit double of
 * {@code mt19937_next_double}, and the legacy distributions of
 * {@code numpy/random/src/legacy/legacy-distributions.c} (polar gauss with its cached second
 * value, exponential, Marsaglia-Tsang gamma) plus {@code RandomState.dirichlet}.
 *
 * <p>log and pow go through {@link Math}: on x86-64 HotSpot its libm stubs reproduced numpy's
 * (glibc) values bit for bit on all golden gaussians, where {@link StrictMath} (fdlibm) was 1 ulp
 * off on about 3% of them. Elsewhere a value may differ from numpy in its last ulp. Not thread-safe.
 */
public final class NumpyRandomState {
    private static final int N = 624;
    private static final int M = 397;
    private static final int MATRIX_A = 0x9908b0df;
    private static final int UPPER_MASK = 0x80000000;
    private static final int LOWER_MASK = 0x7fffffff;
    private static final long MAX_SEED = 0xFFFFFFFFL;

    private final int[] key = new int[N]; // MT19937 state words, uint32 held in int
    private int pos;                      // next word of key to temper; N = regenerate first
    private boolean hasGauss;             // legacy_gauss keeps the second value of each polar pair
    private double gauss;

    /** Same stream as {@code numpy.random.RandomState(seed)}; seed must lie in 0..2^32-1. */
    public NumpyRandomState(long seed) {
        if (seed < 0 || seed > MAX_SEED) {
            throw new IllegalArgumentException("seed " + seed + " out of range: numpy's RandomState takes 0..4294967295 (2^32-1)");
        }
        // mt19937_seed (Knuth's init_genrand), as _legacy_seeding does for an int
        int s = (int) seed;
        for (int i = 0; i < N; i++) {
            key[i] = s;
            s = 1812433253 * (s ^ (s >>> 30)) + i + 1;
        }
        pos = N;
    }

    /** The complete generator state, as numpy's {@code get_state()} tuple (key as uint32 bits in int). */
    public record State(int[] key, int pos, boolean hasGauss, double gauss) {
        public State {
            if (key == null || key.length != N) {
                throw new IllegalArgumentException("MT19937 key must hold " + N + " words, got " + (key == null ? "null" : key.length));
            }
            if (pos < 0 || pos > N) {
                throw new IllegalArgumentException("MT19937 pos " + pos + " out of range 0.." + N);
            }
            key = key.clone();
        }

        @Override
        public int[] key() {
            return key.clone();
        }

        @Override
        public boolean equals(Object o) {
            return o instanceof State other && Arrays.equals(key, other.key) && pos == other.pos
                    && hasGauss == other.hasGauss && Double.compare(gauss, other.gauss) == 0;
        }

        @Override
        public int hashCode() {
            return 31 * Arrays.hashCode(key) + Double.hashCode(gauss) + 7 * pos + (hasGauss ? 1 : 0);
        }
    }

    public State snapshot() {
        return new State(key, pos, hasGauss, gauss);
    }

    /** Continues exactly where the snapshot was taken. */
    public void restore(State state) {
        System.arraycopy(state.key, 0, key, 0, N);
        pos = state.pos;
        hasGauss = state.hasGauss;
        gauss = state.gauss;
    }

    /** The next raw 32-bit output in 0..2^32-1 (numpy's {@code mt19937_next32}). */
    public long nextUInt32() {
        return nextInt() & 0xFFFFFFFFL;
    }

    private int nextInt() {
        if (pos == N) regenerate();
        int y = key[pos++];
        y ^= y >>> 11;
        y ^= (y << 7) & 0x9d2c5680;
        y ^= (y << 15) & 0xefc60000;
        return y ^ (y >>> 18);
    }

    /** mt19937_gen: the twist of all 624 words. */
    private void regenerate() {
        int i = 0;
        for (; i < N - M; i++) key[i] = twist(key[i + M], key[i], key[i + 1]);
        for (; i < N - 1; i++) key[i] = twist(key[i + M - N], key[i], key[i + 1]);
        key[N - 1] = twist(key[M - 1], key[N - 1], key[0]);
        pos = 0;
    }

    private static int twist(int far, int upper, int lower) {
        int y = (upper & UPPER_MASK) | (lower & LOWER_MASK);
        return far ^ (y >>> 1) ^ (-(y & 1) & MATRIX_A);
    }

    /** Uniform in [0, 1) from two outputs: {@code ((a>>5)*2^26 + (b>>6)) / 2^53}. */
    public double randomSample() {
        int a = nextInt() >>> 5;
        int b = nextInt() >>> 6;
        return (a * 67108864.0 + b) / 9007199254740992.0;
    }

    /** legacy_gauss: Marsaglia polar method; returns f*x2 and caches f*x1 for the next call. */
    public double gauss() {
        if (hasGauss) {
            double cached = gauss;
            hasGauss = false;
            gauss = 0.0;
            return cached;
        }
        double x1;
        double x2;
        double r2;
        do {
            x1 = 2.0 * randomSample() - 1.0;
            x2 = 2.0 * randomSample() - 1.0;
            r2 = x1 * x1 + x2 * x2;
        } while (r2 >= 1.0 || r2 == 0.0);
        double f = Math.sqrt(-2.0 * Math.log(r2) / r2);
        gauss = f * x1;
        hasGauss = true;
        return f * x2;
    }

    /** {@code RandomState.randn(n)}: n legacy gauss draws in order. */
    public double[] randn(int n) {
        if (n < 0) throw new IllegalArgumentException("randn count " + n + " must be >= 0");
        double[] out = new double[n];
        for (int i = 0; i < n; i++) out[i] = gauss();
        return out;
    }

    /** legacy_standard_exponential: {@code -log(1 - U)}. */
    public double standardExponential() {
        return -Math.log(1.0 - randomSample());
    }

    /** legacy_standard_gamma(shape), shape >= 0 (scale 1). */
    public double standardGamma(double shape) {
        if (!(shape >= 0.0) || shape == Double.POSITIVE_INFINITY) {
            throw new IllegalArgumentException("gamma shape " + shape + " must be finite and >= 0");
        }
        if (shape == 1.0) return standardExponential();
        if (shape == 0.0) return 0.0;
        if (shape < 1.0) return gammaBelowOne(shape);
        // Marsaglia & Tsang with the legacy gauss
        double b = shape - 1.0 / 3.0;
        double c = 1.0 / Math.sqrt(9 * b);
        for (;;) {
            double x;
            double v;
            do {
                x = gauss();
                v = 1.0 + c * x;
            } while (v <= 0.0);
            v = v * v * v;
            double u = randomSample();
            if (u < 1.0 - 0.0331 * (x * x) * (x * x)) return b * v;
            if (Math.log(u) < 0.5 * x * x + b * (1.0 - v + Math.log(v))) return b * v;
        }
    }

    /** The shape < 1 branch of legacy_standard_gamma (Ahrens-Dieter GS-style rejection). */
    private double gammaBelowOne(double shape) {
        for (;;) {
            double u = randomSample();
            double v = standardExponential();
            if (u <= 1.0 - shape) {
                double x = Math.pow(u, 1.0 / shape);
                if (x <= v) return x;
            } else {
                double y = -Math.log((1 - u) / shape);
                double x = Math.pow(1.0 - shape + shape * y, 1.0 / shape);
                if (x <= v + y) return x;
            }
        }
    }

    /**
     * {@code RandomState.dirichlet(alpha)} (one draw, k = alpha.length): a gamma draw per component
     * in order, each then multiplied by 1/sum. Unlike {@code Generator.dirichlet}, the legacy method
     * has no separate small-alpha path.
     */
    public double[] dirichlet(double[] alpha) {
        for (int j = 0; j < alpha.length; j++) {
            if (!(alpha[j] > 0.0) || alpha[j] == Double.POSITIVE_INFINITY) {
                throw new IllegalArgumentException("dirichlet alpha[" + j + "] = " + alpha[j] + " must be finite and > 0");
            }
        }
        double[] out = new double[alpha.length];
        double acc = 0.0;
        for (int j = 0; j < alpha.length; j++) {
            out[j] = standardGamma(alpha[j]);
            acc += out[j];
        }
        double invacc = 1 / acc;
        for (int j = 0; j < alpha.length; j++) out[j] *= invacc;
        return out;
    }
}
