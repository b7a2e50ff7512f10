package modarch.backend;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;

/** TF32 rounding as cvt.rna.tf32.f32 does it, and the 3xTF32 split. */
class PrecisionTest {

    private static float bits(int bits) {
        return Float.intBitsToFloat(bits);
    }

    @Test
    void roundsToTenMantissaBitsNearestWithTiesAwayFromZero() {
        assertEquals(1f, Precision.tf32(1f));
        assertEquals(bits(0x3F800000), Precision.tf32(bits(0x3F800FFF)), "below half: down");
        assertEquals(bits(0x3F802000), Precision.tf32(bits(0x3F801000)), "half: away from zero");
        assertEquals(bits(0xBF802000), Precision.tf32(bits(0xBF801000)), "half, negative: away from zero");
        assertEquals(bits(0x3F802000), Precision.tf32(bits(0x3F801001)), "above half: up");
        assertEquals(bits(0x40000000), Precision.tf32(bits(0x3FFFF000)), "a carry into the exponent");
        assertEquals(bits(0x00002000), Precision.tf32(bits(0x00001000)), "a subnormal");
        assertTrue(Float.isNaN(Precision.tf32(Float.NaN)));
        assertEquals(Float.POSITIVE_INFINITY, Precision.tf32(Float.POSITIVE_INFINITY));
        assertEquals(Float.NEGATIVE_INFINITY, Precision.tf32(Float.NEGATIVE_INFINITY));
        assertEquals(-0f, Precision.tf32(-0f));
        assertEquals(1f, Precision.tf32(1f + 0x1p-12f));
        assertEquals(1f + 0x1p-10f, Precision.tf32(1f + 0x1p-11f));          // a tie: away from zero (even: 1)
        assertEquals(1f, Precision.tf32(1f + 0x1p-11f - 0x1p-23f));
        assertEquals(0f, Precision.tf32(0x1p-137f - 0x1p-149f));
        assertEquals(Float.POSITIVE_INFINITY, Precision.tf32(Float.MAX_VALUE)); // as cvt.rna: past the largest TF32
    }

    @Test
    void bigPlusSmallKeepsTwentyTwoBits() {
        float x = 1f + 0x1p-3f + 0x1p-15f + 0x1p-23f;
        assertEquals(1f + 0x1p-3f, Precision.tf32(x));
        assertEquals(0x1p-15f + 0x1p-23f, Precision.small(x));
        float y = 1f + 0x1p-12f + 0x1p-23f; // small keeps 2^-12 to 2^-22: its last bit is a tie, away from zero
        assertEquals(1f, Precision.tf32(y));
        assertEquals(0x1p-12f + 0x1p-22f, Precision.small(y));
    }

    /** The big part is within half a TF32 ulp; big + small is within 2^-21 of x; products of TF32 values are exact. */
    @Test
    void theSplitCarriesFp32ClassPrecisionAndTf32ProductsAreExact() {
        SplittableRandom rnd = new SplittableRandom(3);
        for (int i = 0; i < 100_000; i++) {
            float x = (float) (rnd.nextGaussian() * Math.pow(2, rnd.nextInt(-20, 20)));
            float big = Precision.tf32(x), small = Precision.small(x);
            assertEquals(0, Float.floatToRawIntBits(big) & 0x1FFF, "TF32 has 10 mantissa bits");
            assertEquals(0, Float.floatToRawIntBits(small) & 0x1FFF);
            assertTrue(Math.abs((double) x - big) <= Math.ulp(x) * 0x1000, x + " -> " + big);
            assertTrue(Math.abs((double) x - big - small) <= Math.abs(x) * 0x1p-21, x + " -> " + big + " + " + small);
            float y = Precision.tf32((float) rnd.nextGaussian());
            assertEquals((double) big * y, (double) (big * y), "exact in FP32");
        }
    }

    @Test
    void namesAreTheKeysAndAnyOtherIsRefusedNamingTheAllowed() {
        for (Precision p : Precision.values()) assertEquals(p, Precision.of(p.key()));
        IllegalArgumentException refused = assertThrows(IllegalArgumentException.class, () -> Precision.of("TF32"));
        assertEquals("precision 'TF32' is not one of fp32, tf32, 3xtf32", refused.getMessage());
    }
}
