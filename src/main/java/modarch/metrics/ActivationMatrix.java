package modarch.metrics;

/**
 * The activation matrix: how much each module is used on the examples of each ground-truth
 * rule. Accumulates routing scores per rule (sums and counts in double) and forms the joint
 * matrix the way the reference does: {@code prob.py} divides the per-rule sums by the per-rule
 * counts and multiplies by 1/R; {@code metrics.py} then divides by the total.
 * Rows are rules, columns are modules; there are as many modules as rules.
 */
public final class ActivationMatrix {

    private final int rules;
    private final double[][] sums;   // (R, R) sum of module scores over the examples of each rule
    private final long[] counts;     // (R) examples seen per rule

    public ActivationMatrix(int rules) {
        if (rules < 2) {
            throw new IllegalArgumentException("rules is " + rules + "; at least 2 are needed");
        }
        this.rules = rules;
        this.sums = new double[rules][rules];
        this.counts = new long[rules];
    }

    public int rules() {
        return rules;
    }

    /**
     * Adds the first count examples. scores is (B, R) row-major, the routing score of each module
     * for each example (B >= count); ruleOf is (B), the ground-truth rule of each example.
     */
    public void add(float[] scores, int[] ruleOf, int count) {
        if (count < 0 || ruleOf.length < count || scores.length < (long) count * rules) {
            throw new IllegalArgumentException("count is " + count + " with " + ruleOf.length + " rules and "
                    + scores.length + " scores; need 0 <= count <= rules length and count*" + rules + " <= scores length");
        }
        for (int i = 0; i < count; i++) {
            int r = ruleOf[i];
            if (r < 0 || r >= rules) {
                throw new IllegalArgumentException("rule of example " + i + " is " + r + "; allowed: 0.." + (rules - 1));
            }
            double[] row = sums[r];
            int off = i * rules;
            for (int m = 0; m < rules; m++) row[m] += scores[off + m];
            counts[r]++;
        }
    }

    /** (R, R): mean score of module m over the examples of rule r. Every rule must have been seen. */
    public double[][] conditional() {
        double[][] out = new double[rules][rules];
        for (int r = 0; r < rules; r++) {
            if (counts[r] == 0) {
                throw new IllegalStateException("rule " + r + " has no examples; every rule needs at least one");
            }
            for (int m = 0; m < rules; m++) out[r][m] = sums[r][m] / counts[r];
        }
        return out;
    }

    /** (R, R): the normalised joint matrix of what was added, see {@link #fromConditional}. */
    public double[][] joint() {
        return fromConditional(conditional());
    }

    /**
     * conditional is (R, R), the per-rule mean scores. Returns the joint (R, R):
     * {@code conditional * (1/R)}, then divided by its total.
     */
    public static double[][] fromConditional(double[][] conditional) {
        validate(conditional);
        int n = conditional.length;
        double scale = 1.0 / n;
        double[][] scaled = new double[n][n];
        for (int r = 0; r < n; r++) {
            for (int m = 0; m < n; m++) scaled[r][m] = conditional[r][m] * scale;
        }
        return normalised(scaled);
    }

    /** joint is (R, R), a joint matrix up to scale. Returns it (R, R) divided by its total. */
    public static double[][] fromJoint(double[][] joint) {
        validate(joint);
        return normalised(joint);
    }

    private static double[][] normalised(double[][] matrix) {
        int n = matrix.length;
        double total = 0.0;
        for (double[] row : matrix) {
            for (double v : row) total += v;
        }
        double[][] out = new double[n][n];
        for (int r = 0; r < n; r++) {
            for (int m = 0; m < n; m++) out[r][m] = matrix[r][m] / total;
        }
        return out;
    }

    /** Square, at least 2 x 2, finite, non-negative, not all zero. */
    private static void validate(double[][] matrix) {
        int n = matrix.length;
        if (n < 2) {
            throw new IllegalArgumentException("activation matrix has " + n + " rows; at least 2 rules are needed");
        }
        boolean anyPositive = false;
        for (int r = 0; r < n; r++) {
            if (matrix[r].length != n) {
                throw new IllegalArgumentException("activation matrix row " + r + " has " + matrix[r].length
                        + " columns; it must be square (" + n + " x " + n + ")");
            }
            for (int m = 0; m < n; m++) {
                double v = matrix[r][m];
                if (!Double.isFinite(v) || v < 0) {
                    throw new IllegalArgumentException("activation matrix entry [" + r + "][" + m + "] is " + v
                            + "; entries must be finite and >= 0");
                }
                anyPositive |= v > 0;
            }
        }
        if (!anyPositive) {
            throw new IllegalArgumentException("activation matrix is all zero; at least one entry must be positive");
        }
    }
}
