package modarch.task;

/**
 * Philox4x32-10 counter-based generator (Salmon, Moraes, Dror, Shaw, SC'11; Random123's
 * {@code philox4x32_R(10, ...)}, cuRAND's {@code curand_Philox4x32_10} block function).
 *
 * <p>Pure static functions, no state, no allocation. A block maps a 128-bit counter
 * {@code (c0,c1,c2,c3)} and a 64-bit key {@code (k0,k1)} to four 32-bit words. All {@code int}
 * arguments are raw 32-bit words (interpreted as unsigned where it matters).
 *
 * <p>Round ({@code M0=0xD2511F53}, {@code M1=0xCD9E8D57}, 64-bit unsigned products):
 * <pre>
 *   p0 = M0 * c0;  p1 = M1 * c2
 *   (c0, c1, c2, c3) = (hi(p1) ^ c1 ^ k0, lo(p1), hi(p0) ^ c3 ^ k1, lo(p0))
 * </pre>
 * 10 rounds; before rounds 2..10 the key is bumped: {@code k0 += 0x9E3779B9, k1 += 0xBB67AE85}
 * (mod 2^32).
 *
 * <p>The conversion helpers use only integer math, exact double operations, correctly rounded
 * {@code sqrt}, and {@link StrictMath} (fdlibm) {@code log/cos/sin}, so a CUDA kernel reproduces
 * them bit for bit if it does the same in double precision (the transcendentals need an fdlibm
 * port there; CUDA's built-in {@code log/sin/cos} may differ by an ulp).
 */
public final class Philox {
    private static final long M0 = 0xD2511F53L;
    private static final long M1 = 0xCD9E8D57L;
    private static final int W0 = 0x9E3779B9;
    private static final int W1 = 0xBB67AE85;
    private static final long MASK32 = 0xFFFFFFFFL;

    private Philox() {}

    /**
     * Philox4x32-10 block: writes the 4 output words to {@code out[outOff..outOff+3]}, in
     * Random123 order (e.g. counter 0, key 0 gives {@code 6627e8d5 e169c58d bc57ac4c 9b00dbd8}).
     */
    public static void block(int c0, int c1, int c2, int c3, int k0, int k1, int[] out, int outOff) {
        for (int r = 0; r < 10; r++) {
            if (r != 0) {
                k0 += W0;
                k1 += W1;
            }
            long p0 = M0 * (c0 & MASK32);
            long p1 = M1 * (c2 & MASK32);
            int n0 = (int) (p1 >>> 32) ^ c1 ^ k0;
            int n2 = (int) (p0 >>> 32) ^ c3 ^ k1;
            c0 = n0;
            c1 = (int) p1;
            c2 = n2;
            c3 = (int) p0;
        }
        out[outOff] = c0;
        out[outOff + 1] = c1;
        out[outOff + 2] = c2;
        out[outOff + 3] = c3;
    }

    /**
     * {@code (unsigned(word) + 0.5) * 2^-32}, computed exactly in double; range
     * [2^-33, 1 - 2^-33], so never 0 or 1. CUDA: {@code ((double)w + 0.5) * 0x1p-32} with
     * {@code w} an {@code unsigned int}.
     */
    public static double uniformOpen(int word) {
        return ((word & MASK32) + 0.5) * 0x1.0p-32;
    }

    /**
     * 53-bit uniform in [0, 1): {@code ((unsigned(hi) << 21) | (unsigned(lo) >>> 11)) * 2^-53},
     * exact in double. All 32 bits of {@code hi} are the top bits; only the top 21 bits of
     * {@code lo} are used. CUDA: {@code (((unsigned long long)hi << 21) | (lo >> 11)) * 0x1p-53}.
     */
    public static double uniform53(int hi, int lo) {
        return (((hi & MASK32) << 21) | (lo >>> 11)) * 0x1.0p-53;
    }

    /**
     * Integer in [0, bound): {@code floor(unsigned(word) * bound / 2^32)}, i.e.
     * {@code (int)((word & 0xFFFFFFFFL) * bound >>> 32)} (Lemire's multiply-shift, no rejection).
     * Each value is hit by floor or ceil of {@code 2^32/bound} words, so its probability is off
     * from {@code 1/bound} by less than {@code 2^-32} absolute, i.e. relative bias
     * {@code < bound/2^32}. Requires {@code bound >= 1}.
     *
     * @throws IllegalArgumentException if {@code bound <= 0}
     */
    public static int below(int word, int bound) {
        if (bound <= 0) {
            throw new IllegalArgumentException("bound must be positive: " + bound);
        }
        return (int) (((word & MASK32) * bound) >>> 32);
    }

    /**
     * Box–Muller cosine branch: {@code sqrt(-2 * log(u0)) * cos(2*PI * u1)} with
     * {@code u0 = uniformOpen(w0)}, {@code u1 = uniformOpen(w1)}, evaluated left to right in
     * double ({@code 2*PI} is {@code 2.0 * Math.PI}); log/cos are {@link StrictMath}.
     */
    public static double gaussianFirst(int w0, int w1) {
        return radius(w0) * StrictMath.cos(angle(w1));
    }

    /** Box–Muller sine branch: as {@link #gaussianFirst} with {@code sin} instead of {@code cos}. */
    public static double gaussianSecond(int w0, int w1) {
        return radius(w0) * StrictMath.sin(angle(w1));
    }

    private static double radius(int w0) {
        return StrictMath.sqrt(-2.0 * StrictMath.log(uniformOpen(w0)));
    }

    private static double angle(int w1) {
        return 2.0 * Math.PI * uniformOpen(w1);
    }
}
