package modarch.report;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.Arrays;
import java.util.List;
import org.junit.jupiter.api.Test;

class IntervalTest {
    /** Quantiles from a t table (scipy.stats.t.ppf(0.975, df) to 6 decimals). */
    @Test
    void studentQuantilesMatchTheTable() {
        assertEquals(12.706205, StudentT.quantile(0.975, 1), 1e-6);
        assertEquals(4.302653, StudentT.quantile(0.975, 2), 1e-6);
        assertEquals(3.182446, StudentT.quantile(0.975, 3), 1e-6);
        assertEquals(2.570582, StudentT.quantile(0.975, 5), 1e-6);
        assertEquals(2.228139, StudentT.quantile(0.975, 10), 1e-6);
        assertEquals(2.042272, StudentT.quantile(0.975, 30), 1e-6);
        assertEquals(1.979930, StudentT.quantile(0.975, 120), 1e-6);
        assertEquals(6.313752, StudentT.quantile(0.95, 1), 1e-6);
    }

    /** 1, 2, 6: mean 3, s = sqrt(7), half-width t(0.975, 2) s / sqrt(3) = 4.302653 * 2.645751 / 1.732051 = 6.572411. */
    @Test
    void intervalOfThreeValues() {
        Interval i = Interval.of(List.of(1.0, 2.0, 6.0));
        assertEquals(3, i.n());
        assertEquals(3.0, i.mean(), 1e-12);
        assertEquals(6.572411, i.halfWidth(), 1e-6);
        assertEquals(3.0 - 6.572411, i.low(), 1e-6);
        assertEquals("3.000 ± 6.572", Numbers.interval(i));
    }

    @Test
    void nonFiniteValuesAreNotCountedAndOneValueHasNoWidth() {
        Interval i = Interval.of(Arrays.asList(Double.NaN, 0.25, Double.POSITIVE_INFINITY));
        assertEquals(1, i.n());
        assertEquals(0.25, i.mean());
        assertTrue(Double.isNaN(i.halfWidth()));
        assertEquals("0.2500", Numbers.interval(i));
        assertEquals(0, Interval.of(List.of()).n());
        assertEquals(Numbers.MISSING, Numbers.interval(Interval.of(List.of())));
    }

    @Test
    void numbersUseFourSignificantDigitsAndDotDecimals() {
        java.util.Locale saved = java.util.Locale.getDefault();
        try {
            java.util.Locale.setDefault(java.util.Locale.GERMANY);
            assertEquals("0.01234", Numbers.significant(0.0123449, 4));
            assertEquals("1.235e+04", Numbers.significant(12345.6, 4));
            assertEquals("5.049e-08", Numbers.significant(5.0494e-8, 4));
            assertEquals("0", Numbers.significant(0.0, 4));
            assertEquals("2.83", Numbers.tick(Math.sqrt(8)));
            assertEquals("16", Numbers.tick(16.000000000000004));
        } finally {
            java.util.Locale.setDefault(saved);
        }
    }
}
