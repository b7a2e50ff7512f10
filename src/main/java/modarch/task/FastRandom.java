package modarch.task;

/**
 * The training-stream generator (ours, not numpy's): xoshiro256** (Blackman and Vigna) seeded
 * through SplitMix64 from a (seed, stream) pair, with a polar-method gaussian that caches its
 * second value. The cache is part of {@link #state()}, so a saved stream resumes bit-exactly.
 * No draw allocates. Transcendentals use {@link StrictMath} so a stream is the same on every
 * JVM and CPU. Not thread-safe: one instance per stream.
 */
public final class FastRandom {
    /** Length of {@link #state()}: s0..s3, hasGaussian (0/1), cached gaussian as raw double bits. */
    public static final int STATE_LENGTH = 6;

    private long s0;
    private long s1;
    private long s2;
    private long s3;
    private boolean hasGaussian;
    private double cachedGaussian;

    /** Stream 0 of {@code seed}. */
    public FastRandom(long seed) {
        this(seed, 0L);
    }

    /** An independent stream per (seed, stream), e.g. (model seed, replica or data-loader id). */
    public FastRandom(long seed, long stream) {
        long x = mix64(mix64(seed) + stream); // mix64 is a bijection: distinct streams of one seed never coincide
        s0 = mix64(x += 0x9E3779B97F4A7C15L);
        s1 = mix64(x += 0x9E3779B97F4A7C15L);
        s2 = mix64(x += 0x9E3779B97F4A7C15L);
        s3 = mix64(x + 0x9E3779B97F4A7C15L);
    }

    private FastRandom(long[] state) {
        s0 = state[0];
        s1 = state[1];
        s2 = state[2];
        s3 = state[3];
        hasGaussian = state[4] == 1L;
        cachedGaussian = Double.longBitsToDouble(state[5]);
    }

    /** SplitMix64's output function (Stafford variant 13). */
    private static long mix64(long z) {
        z = (z ^ (z >>> 30)) * 0xBF58476D1CE4E5B9L;
        z = (z ^ (z >>> 27)) * 0x94D049BB133111EBL;
        return z ^ (z >>> 31);
    }

    /** The complete state, length {@link #STATE_LENGTH}; {@link #fromState} continues it exactly. */
    public long[] state() {
        return new long[] {s0, s1, s2, s3, hasGaussian ? 1L : 0L, Double.doubleToRawLongBits(cachedGaussian)};
    }

    public static FastRandom fromState(long[] state) {
        if (state == null || state.length != STATE_LENGTH) {
            throw new IllegalArgumentException("FastRandom state must hold " + STATE_LENGTH + " longs, got "
                    + (state == null ? "null" : state.length));
        }
        if ((state[0] | state[1] | state[2] | state[3]) == 0L) {
            throw new IllegalArgumentException("FastRandom state words s0..s3 are all zero: not a xoshiro256** state");
        }
        if (state[4] != 0L && state[4] != 1L) {
            throw new IllegalArgumentException("FastRandom state[4] (hasGaussian) is " + state[4] + ", must be 0 or 1");
        }
        return new FastRandom(state);
    }

    /** The next 64 random bits (xoshiro256**). */
    public long nextLong() {
        long result = Long.rotateLeft(s1 * 5, 7) * 9;
        long t = s1 << 17;
        s2 ^= s0;
        s3 ^= s1;
        s1 ^= s2;
        s0 ^= s3;
        s2 ^= t;
        s3 = Long.rotateLeft(s3, 45);
        return result;
    }

    /** Uniform in [0, 1) on the 2^-53 grid. */
    public double nextDouble() {
        return (nextLong() >>> 11) * 0x1.0p-53;
    }

    /** Uniform in [0, 1) on the 2^-24 grid. */
    public float nextFloat() {
        return (nextLong() >>> 40) * 0x1.0p-24f;
    }

    /** Uniform in 0..bound-1 without bias (Lemire's multiply-and-reject on 32 bits); bound >= 1. */
    public int nextInt(int bound) {
        if (bound <= 0) throw new IllegalArgumentException("nextInt bound " + bound + " must be >= 1");
        long m = (nextLong() >>> 32) * bound;
        long low = m & 0xFFFFFFFFL;
        if (low < bound) {
            long threshold = (0x1_0000_0000L - bound) % bound; // 2^32 mod bound
            while (low < threshold) {
                m = (nextLong() >>> 32) * bound;
                low = m & 0xFFFFFFFFL;
            }
        }
        return (int) (m >>> 32);
    }

    /** Standard normal, Marsaglia polar method; every second call returns the cached partner. */
    public double gaussian() {
        if (hasGaussian) {
            double cached = cachedGaussian;
            hasGaussian = false;
            cachedGaussian = 0.0; // keeps state() canonical: equal states mean equal futures
            return cached;
        }
        double x1;
        double x2;
        double r2;
        do {
            x1 = 2.0 * nextDouble() - 1.0;
            x2 = 2.0 * nextDouble() - 1.0;
            r2 = x1 * x1 + x2 * x2;
        } while (r2 >= 1.0 || r2 == 0.0);
        double f = Math.sqrt(-2.0 * StrictMath.log(r2) / r2);
        cachedGaussian = f * x1;
        hasGaussian = true;
        return f * x2;
    }
}
