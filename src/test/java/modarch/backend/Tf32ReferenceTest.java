package modarch.backend;

import static org.junit.jupiter.api.Assertions.assertEquals;

import org.junit.jupiter.api.Test;

/** The reference's TF32 rounding is cvt.rna.tf32.f32's: to nearest, ties away from zero, Inf and NaN kept. */
class Tf32ReferenceTest {

    @Test
    void roundsToTenMantissaBitsTiesAwayFromZero() {
        assertEquals(1f, Tf32Reference.round(1f + 0x1p-12f));
        assertEquals(1f + 0x1p-10f, Tf32Reference.round(1f + 0x1p-11f));          // a tie: away from zero (even: 1)
        assertEquals(-(1f + 0x1p-10f), Tf32Reference.round(-(1f + 0x1p-11f)));
        assertEquals(1f, Tf32Reference.round(1f + 0x1p-11f - 0x1p-23f));
        assertEquals(2f, Tf32Reference.round(2f - 0x1p-23f));                      // the carry reaches the exponent
        assertEquals(0x1p-136f, Tf32Reference.round(0x1p-137f));                   // subnormal: a tie, away from 0
        assertEquals(0f, Tf32Reference.round(0x1p-137f - 0x1p-149f));
        assertEquals(Float.POSITIVE_INFINITY, Tf32Reference.round(Float.MAX_VALUE));
        assertEquals(Float.NEGATIVE_INFINITY, Tf32Reference.round(Float.NEGATIVE_INFINITY));
        assertEquals(Float.NaN, Tf32Reference.round(Float.NaN));
    }

    @Test
    void bigPlusSmallKeepsTwentyTwoBits() {
        float x = 1f + 0x1p-3f + 0x1p-15f + 0x1p-23f;
        assertEquals(1f + 0x1p-3f, Tf32Reference.round(x));
        assertEquals(0x1p-15f + 0x1p-23f, Tf32Reference.small(x));
        float y = 1f + 0x1p-12f + 0x1p-23f; // small keeps 2^-12 to 2^-22: its last bit is a tie, away from zero
        assertEquals(1f, Tf32Reference.round(y));
        assertEquals(0x1p-12f + 0x1p-22f, Tf32Reference.small(y));
    }
}
