package modarch.task;

import java.util.LinkedHashMap;
import java.util.Map;
import modarch.Checks;

/**
 * One instance of the MLP task family (reference: Mod_Arch {@code MLP/Regression/data.py}, data_v2).
 * Each example draws a rule c in 0..R-1 and inputs a, b ~ N(0,1) (times 2 out of distribution);
 * the regression label is {@code coeff1[c]*a + coeff2[c]*b}, the classification label is
 * {@code 1 if that is >= 0 else 0}. The coefficients come from
 * {@code rng = numpy.random.RandomState(dataSeed); coeff1 = rng.randn(R); coeff2 = rng.randn(R)},
 * so a data seed names one task instance. Batches come from the counter-based {@link Philox} stream of
 * {@link #sample}. Not thread-safe (one scratch block per instance).
 */
public final class MlpTask implements Task {
    /** numpy's choice() tolerance on the sum of a probability vector: sqrt(machine epsilon). */
    private static final double PROBABILITY_SUM_TOLERANCE = Math.sqrt(Math.ulp(1.0));

    private final int rules;
    private final boolean classification;
    private final double[] coeff1; // (R) weight of a per rule
    private final double[] coeff2; // (R) weight of b per rule
    private final int[] words = new int[4]; // one Philox block

    /** rules in 2..64, dataSeed in 0..2^32-1 (a numpy RandomState seed). */
    public MlpTask(int rules, long dataSeed, boolean classification) {
        Checks.rules(rules);
        Checks.dataSeed(dataSeed);
        NumpyRandomState rng = new NumpyRandomState(dataSeed);
        this.rules = rules;
        this.classification = classification;
        this.coeff1 = rng.randn(rules);
        this.coeff2 = rng.randn(rules);
    }

    @Override
    public int rules() {
        return rules;
    }

    @Override
    public boolean classification() {
        return classification;
    }

    /** (R) a copy of the coefficients of a. */
    public double[] coeff1() {
        return coeff1.clone();
    }

    /** (R) a copy of the coefficients of b. */
    public double[] coeff2() {
        return coeff2.clone();
    }

    /** The label of one example: the regression value, or 1.0 / 0.0 for classification. */
    public double label(double a, double b, int rule) {
        if (rule < 0 || rule >= rules) {
            throw new IllegalArgumentException("rule " + rule + " out of range 0.." + (rules - 1));
        }
        return labelOf(a, b, rule);
    }

    private double labelOf(double a, double b, int rule) {
        double y = coeff1[rule] * a + coeff2[rule] * b;
        return classification ? (y >= 0 ? 1.0 : 0.0) : y;
    }

    @Override
    public int inputWidth() {
        return 2;
    }

    @Override
    public int labelWidth() {
        return 1;
    }

    @Override
    public int trainLength() {
        return 1;
    }

    @Override
    public int[] evalLengths() {
        return new int[] {1};
    }

    @Override
    public Map<String, double[]> coefficients() {
        Map<String, double[]> out = new LinkedHashMap<>();
        out.put("coeff1", coeff1());
        out.put("coeff2", coeff2());
        return out;
    }

    /**
     * Example i of a batch is one Philox block, key (seed, stream id), counter (i, batch index low, batch index
     * high, 0), words w0..w3: {@code a = normal(w0)}, {@code b = normal(w1)} (both times 2
     * when ood), the rule {@code below(w2, R)}, or by inverse CDF of {@code uniform53(w2, w3)} over
     * ruleProbabilities. a and b are rounded to float first and the label is computed in double from those
     * stored values, so {@code label[i] == (float) label(a[i], b[i], rule[i])} exactly. Inputs rows are [a, b].
     */
    @Override
    public void sample(long seed, DataStream stream, long batchIndex, int examples, int length, boolean ood,
                       double[] ruleProbabilities, float[] inputs, int[] rule, float[] label, int rowOffset) {
        if (length != 1) throw new IllegalArgumentException("the MLP family has examples of length 1, not " + length);
        checkRange(rowOffset, examples, rule.length, "rule");
        checkRange(rowOffset, examples, label.length, "label");
        checkRange(2 * rowOffset, 2 * examples, inputs.length, "inputs");
        if (ruleProbabilities != null) checkProbabilities(ruleProbabilities);
        double scale = ood ? 2.0 : 1.0;
        int k0 = (int) seed, k1 = stream.id();
        int c1 = (int) batchIndex, c2 = (int) (batchIndex >>> 32);
        for (int i = 0; i < examples; i++) {
            Philox.block(i, c1, c2, 0, k0, k1, words, 0);
            float ai = (float) (scale * Philox.normal(words[0]));
            float bi = (float) (scale * Philox.normal(words[1]));
            int c = ruleProbabilities == null ? Philox.below(words[2], rules)
                    : drawRule(Philox.uniform53(words[2], words[3]), ruleProbabilities);
            int row = rowOffset + i;
            inputs[2 * row] = ai;
            inputs[2 * row + 1] = bi;
            rule[row] = c;
            label[row] = (float) labelOf(ai, bi, c);
        }
    }

    /** Inverse CDF: the first rule whose cumulative probability exceeds u; rounding slack goes to the last positive one. */
    private int drawRule(double u, double[] probabilities) {
        double cumulative = 0.0;
        int lastPositive = 0;
        for (int r = 0; r < rules; r++) {
            if (probabilities[r] > 0.0) {
                cumulative += probabilities[r];
                if (u < cumulative) return r;
                lastPositive = r;
            }
        }
        return lastPositive;
    }

    private void checkProbabilities(double[] p) {
        if (p.length != rules) {
            throw new IllegalArgumentException("ruleProbabilities has length " + p.length + ", must equal rules = " + rules);
        }
        double sum = 0.0;
        for (int r = 0; r < rules; r++) {
            if (!(p[r] >= 0.0 && p[r] <= 1.0)) {
                throw new IllegalArgumentException("ruleProbabilities[" + r + "] = " + p[r] + " out of range [0, 1]");
            }
            sum += p[r];
        }
        if (Math.abs(sum - 1.0) > PROBABILITY_SUM_TOLERANCE) {
            throw new IllegalArgumentException("ruleProbabilities sum to " + sum + ", must be 1 (within " + PROBABILITY_SUM_TOLERANCE + ")");
        }
    }

    private static void checkRange(int offset, int count, int length, String name) {
        if (offset < 0 || count < 0 || offset > length - count) {
            throw new IllegalArgumentException("examples " + offset + ".." + (offset + count) + " (offset " + offset + ", count "
                    + count + ") do not fit array " + name + " of length " + length);
        }
    }
}
