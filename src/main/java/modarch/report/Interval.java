package modarch.report;

import java.util.Collection;

/**
 * The mean of n values and the half-width of its 95% confidence interval, Student t: t(0.975, n-1) s / sqrt(n), s the
 * sample standard deviation. halfWidth is NaN for n < 2; mean is NaN for n = 0.
 */
public record Interval(double mean, double halfWidth, int n) {
    public static final Interval EMPTY = new Interval(Double.NaN, Double.NaN, 0);

    /** The interval of the finite values (NaN ones are not counted). */
    public static Interval of(Collection<Double> values) {
        int n = 0;
        double sum = 0;
        double min = Double.POSITIVE_INFINITY;
        double max = Double.NEGATIVE_INFINITY;
        for (double v : values) {
            if (Double.isFinite(v)) {
                n++;
                sum += v;
                min = Math.min(min, v);
                max = Math.max(max, v);
            }
        }
        if (n == 0) return EMPTY;
        double mean = sum / n;
        if (n == 1) return new Interval(mean, Double.NaN, 1);
        if (min == max) return new Interval(min, 0, n); // exact: sum / n may round (3 x 0.2 / 3 is not 0.2)
        double squares = 0;
        for (double v : values) {
            if (Double.isFinite(v)) squares += (v - mean) * (v - mean);
        }
        double sd = Math.sqrt(squares / (n - 1));
        return new Interval(mean, StudentT.quantile(0.975, n - 1) * sd / Math.sqrt(n), n);
    }

    public double low() {
        return mean - halfWidth;
    }

    public double high() {
        return mean + halfWidth;
    }
}
