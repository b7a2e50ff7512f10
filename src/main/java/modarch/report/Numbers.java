package modarch.report;

import java.math.BigDecimal;
import java.math.MathContext;
import java.util.Locale;

/** Numbers as the report prints them: '.' decimals whatever the locale, "—" for a missing value. */
final class Numbers {
    static final String MISSING = "—";

    private Numbers() {
    }

    /** v to digits significant digits: plain from 1e-4 up to 10^digits, else scientific ({@code %g}); 0 as "0". */
    static String significant(double v, int digits) {
        if (!Double.isFinite(v)) return MISSING;
        return v == 0 ? "0" : String.format(Locale.ROOT, "%." + digits + "g", v);
    }

    /** "mean ± half-width" to 4 significant digits; the mean alone for one value; "—" for none. */
    static String interval(Interval i) {
        if (i.n() == 0) return MISSING;
        String mean = significant(i.mean(), 4);
        return i.n() == 1 ? mean : mean + " ± " + significant(i.halfWidth(), 4);
    }

    /** An axis tick: up to 3 significant digits without trailing zeros (2, 16, 2.83). */
    static String tick(double v) {
        return new BigDecimal(v).round(new MathContext(3)).stripTrailingZeros().toPlainString();
    }
}
