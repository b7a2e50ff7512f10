package modarch.task;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;

class PhiloxTest {
    private static final int K0 = 0x1234ABCD;
    private static final int K1 = 0x0F0E0D0C;

    private static int[] block(int c0, int c1, int c2, int c3, int k0, int k1) {
        int[] out = new int[4];
        Philox.block(c0, c1, c2, c3, k0, k1, out, 0);
        return out;
    }

    /** Random123 tests/kat_vectors, the three "philox4x32 10" lines (also reproduced by an independent numpy implementation). */
    @Test
    void random123KnownAnswers() {
        assertArrayEquals(new int[] {0x6627e8d5, 0xe169c58d, 0xbc57ac4c, 0x9b00dbd8},
                block(0, 0, 0, 0, 0, 0));
        assertArrayEquals(new int[] {0x408f276d, 0x41c83b0e, 0xa20bc7c6, 0x6d5451fd},
                block(-1, -1, -1, -1, -1, -1));
        assertArrayEquals(new int[] {0xd16cfe09, 0x94fdcceb, 0x5001e420, 0x24126ea1},
                block(0x243f6a88, 0x85a308d3, 0x13198a2e, 0x03707344, 0xa4093822, 0x299f31d0));
    }

    /** Extra vector computed with an independent numpy uint32 implementation. */
    @Test
    void independentReferenceVector() {
        assertArrayEquals(new int[] {0xc0c839bc, 0x889c87c5, 0x61986739, 0x2d4623d0},
                block(1, 2, 3, 4, 5, 6));
    }

    @Test
    void blockWritesOnlyAtOffset() {
        int[] out = {7, 7, 7, 7, 7, 7, 7};
        Philox.block(0, 0, 0, 0, 0, 0, out, 2);
        assertArrayEquals(new int[] {7, 7, 0x6627e8d5, 0xe169c58d, 0xbc57ac4c, 0x9b00dbd8, 7}, out);
    }

    @Test
    void uniformOpenEndpoints() {
        assertEquals(0x1.0p-33, Philox.uniformOpen(0));
        assertEquals(1.0 - 0x1.0p-33, Philox.uniformOpen(-1));
        assertEquals(0.5 + 0x1.0p-33, Philox.uniformOpen(0x80000000));
        assertTrue(Philox.uniformOpen(0) > 0.0 && Philox.uniformOpen(-1) < 1.0);
    }

    @Test
    void uniform53Exact() {
        assertEquals(0.0, Philox.uniform53(0, 0));
        assertEquals(0.0, Philox.uniform53(0, 0x7FF)); // low 11 bits of lo are dropped
        assertEquals(0x1.0p-53, Philox.uniform53(0, 0x800));
        assertEquals(0x1.0p-32, Philox.uniform53(1, 0));
        assertEquals(0.5, Philox.uniform53(0x80000000, 0));
        assertEquals(1.0 - 0x1.0p-53, Philox.uniform53(-1, -1));
    }

    @Test
    void belowEdgesAndRange() {
        assertEquals(0, Philox.below(0, 10));
        assertEquals(9, Philox.below(-1, 10));
        assertEquals(5, Philox.below(0x80000000, 10));
        assertEquals(0, Philox.below(-1, 1));
        assertEquals(Integer.MAX_VALUE - 1, Philox.below(-1, Integer.MAX_VALUE));
        assertThrows(IllegalArgumentException.class, () -> Philox.below(1, 0));
        assertThrows(IllegalArgumentException.class, () -> Philox.below(1, -3));
    }

    /** 100k draws into 7 bins; chi-square df=6, 99.999th percentile ~ 33.1. */
    @Test
    void belowChiSquare() {
        final int bound = 7;
        final int n = 100_000;
        long[] counts = new long[bound];
        int[] w = new int[4];
        for (int i = 0; i < n / 4; i++) {
            Philox.block(i, 0, 0, 0, K0, K1, w, 0);
            for (int j = 0; j < 4; j++) {
                int v = Philox.below(w[j], bound);
                assertTrue(v >= 0 && v < bound, "out of range: " + v);
                counts[v]++;
            }
        }
        double expected = (double) n / bound;
        double chi2 = 0;
        for (long c : counts) {
            chi2 += (c - expected) * (c - expected) / expected;
        }
        assertTrue(chi2 < 33.0, "chi2=" + chi2);
    }

    /**
     * Python's statistics.NormalDist().inv_cdf (the same AS241 arithmetic) at uniformOpen(word): the centre, both
     * tails (|x| > 5 takes the third branch) and the extreme words. Bit for bit.
     */
    @Test
    void normalMatchesPythonsInverseCdf() {
        int[] words = {0x12345678, 0, -1, 0x80000000, 0x40000000, 0x9abcdef0, 0x00001000, 0x0ABCDEF0, 0xF0000000};
        double[] python = {-1.4675657314922321, -6.337957754553789, 6.337957754553789, 2.9180993729166234e-10,
            -0.6744897498297384, 0.2648680410085975, -4.762976412696973, -1.7285543760426947, 1.5341205452991358};
        for (int i = 0; i < words.length; i++) {
            assertEquals(python[i], Philox.normal(words[i]), "word " + Integer.toHexString(words[i]));
        }
    }

    /** 200k draws: mean within 4/sqrt(n), variance within 4*sqrt(2/n) of 1; symmetric words give opposite draws. */
    @Test
    void normalMoments() {
        final int n = 200_000;
        int[] w = new int[4];
        double sum = 0;
        double sumSq = 0;
        for (int i = 0; i < n / 4; i++) {
            Philox.block(i, 1, 0, 0, K0, K1, w, 0);
            for (int j = 0; j < 4; j++) {
                double g = Philox.normal(w[j]);
                assertTrue(Double.isFinite(g));
                assertEquals(-g, Philox.normal(~w[j]));
                sum += g;
                sumSq += g * g;
            }
        }
        double mean = sum / n;
        double var = sumSq / n - mean * mean;
        assertTrue(Math.abs(mean) < 4 / Math.sqrt(n), "mean " + mean);
        assertTrue(Math.abs(var - 1) < 4 * Math.sqrt(2.0 / n), "variance " + var);
    }

}
