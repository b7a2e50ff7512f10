package modarch.report;

/**
 * Quantiles of Student's t distribution, for the report's confidence intervals: the CDF through the regularized
 * incomplete beta function (Numerical Recipes' continued fraction, modified Lentz), inverted by bisection. Accurate
 * to about 1e-10, far below the 4 significant digits the report prints.
 */
final class StudentT {
    private static final double TINY = 1e-300;
    private static final double EPS = 1e-15;

    private StudentT() {
    }

    /** The p-quantile of t with df degrees of freedom (0.5 < p < 1, df >= 1): t(0.975, 2) = 4.302653. */
    static double quantile(double p, int df) {
        if (!(p > 0.5 && p < 1) || df < 1) throw new IllegalArgumentException("p " + p + ", df " + df);
        double lo = 0;
        double hi = 1;
        while (cdf(hi, df) < p) hi *= 2;
        for (int i = 0; i < 200 && hi - lo > 1e-12 * hi; i++) {
            double mid = 0.5 * (lo + hi);
            if (cdf(mid, df) < p) lo = mid;
            else hi = mid;
        }
        return 0.5 * (lo + hi);
    }

    /** P(T <= t) for t >= 0: 1 - I_{df/(df+t^2)}(df/2, 1/2) / 2. */
    static double cdf(double t, int df) {
        return 1 - 0.5 * regularizedBeta(df / (df + t * t), 0.5 * df, 0.5);
    }

    /** I_x(a, b), the regularized incomplete beta function. */
    private static double regularizedBeta(double x, double a, double b) {
        if (x <= 0) return 0;
        if (x >= 1) return 1;
        double front = Math.exp(logGamma(a + b) - logGamma(a) - logGamma(b) + a * Math.log(x) + b * Math.log1p(-x));
        // the continued fraction converges fast for x < (a+1)/(a+b+2); else use I_x(a,b) = 1 - I_{1-x}(b,a)
        if (x < (a + 1) / (a + b + 2)) return front * betaFraction(x, a, b) / a;
        return 1 - front * betaFraction(1 - x, b, a) / b;
    }

    private static double betaFraction(double x, double a, double b) {
        double c = 1;
        double d = 1 - (a + b) * x / (a + 1);
        if (Math.abs(d) < TINY) d = TINY;
        d = 1 / d;
        double h = d;
        for (int m = 1; m <= 300; m++) {
            int m2 = 2 * m;
            double even = m * (b - m) * x / ((a + m2 - 1) * (a + m2));
            d = 1 + even * d;
            c = 1 + even / c;
            d = 1 / (Math.abs(d) < TINY ? TINY : d);
            c = Math.abs(c) < TINY ? TINY : c;
            h *= d * c;
            double odd = -(a + m) * (a + b + m) * x / ((a + m2) * (a + m2 + 1));
            d = 1 + odd * d;
            c = 1 + odd / c;
            d = 1 / (Math.abs(d) < TINY ? TINY : d);
            c = Math.abs(c) < TINY ? TINY : c;
            double delta = d * c;
            h *= delta;
            if (Math.abs(delta - 1) < EPS) break;
        }
        return h;
    }

    /** log Gamma(x) for x > 0 (Lanczos, g = 7, 9 terms: relative error below 1e-15). */
    private static double logGamma(double x) {
        if (x < 0.5) return Math.log(Math.PI / Math.sin(Math.PI * x)) - logGamma(1 - x);
        double[] c = {0.99999999999980993, 676.5203681218851, -1259.1392167224028, 771.32342877765313,
            -176.61502916214059, 12.507343278686905, -0.13857109526572012, 9.9843695780195716e-6,
            1.5056327351493116e-7};
        x -= 1;
        double sum = c[0];
        for (int i = 1; i < c.length; i++) sum += c[i] / (x + i);
        double t = x + 7.5;
        return 0.5 * Math.log(2 * Math.PI) + (x + 0.5) * Math.log(t) - t + Math.log(sum);
    }
}
