package modarch.task;

import modarch.backend.Backend;
import modarch.backend.DoubleBits;

/**
 * One instance of the MLP task family (reference: Mod_Arch {@code MLP/Regression/data.py}, data_v2).
 * Each example draws a rule c in 0..R-1 and inputs a, b ~ N(0,1) (times 2 out of distribution);
 * the regression label is {@code coeff1[c]*a + coeff2[c]*b}, the classification label is
 * {@code 1 if that is >= 0 else 0}. The coefficients come from
 * {@code rng = numpy.random.RandomState(dataSeed); coeff1 = rng.randn(R); coeff2 = rng.randn(R)},
 * so a data seed names one task instance. Batches come from the counter-based {@link Philox} stream of
 * {@link #sample}. Thread-safe.
 */
public final class MlpTask extends CoefficientTask {
    /** One Philox block of scratch per thread: draw allocates nothing. */
    private static final ThreadLocal<int[]> WORDS = ThreadLocal.withInitial(() -> new int[4]);

    /** rules in 2..64, dataSeed in 0..2^32-1 (a numpy RandomState seed). */
    public MlpTask(int rules, long dataSeed, boolean classification) {
        super(rules, dataSeed, classification);
    }

    /** The label of one example: the regression value, or 1.0 / 0.0 for classification. */
    public double label(double a, double b, int rule) {
        if (rule < 0 || rule >= rules()) {
            throw new IllegalArgumentException("rule " + rule + " out of range 0.." + (rules() - 1));
        }
        return labelOf(words(), 0, rules(), classification(), a, b, rule);
    }

    /** coeff1[rule] a + coeff2[rule] b in double (classification: 1 if that is >= 0, else 0), coefficients as in draw. */
    private static double labelOf(int[] coefficients, int coefficientOff, int rules, boolean classification,
                                  double a, double b, int rule) {
        double y = DoubleBits.at(coefficients, coefficientOff + rule) * a
                + DoubleBits.at(coefficients, coefficientOff + rules + rule) * b;
        return classification ? (y >= 0 ? 1.0 : 0.0) : y;
    }

    @Override
    public int inputWidth() {
        return 2;
    }

    @Override
    public int trainLength() {
        return 1;
    }

    @Override
    public int[] evalLengths() {
        return new int[] {1};
    }

    /**
     * Example i of a batch is one Philox block, key (seed, stream id), counter (i, batch index low, batch index
     * high, 0), words w0..w3: {@code a = normal(w0)}, {@code b = normal(w1)} (both times 2
     * when ood), the rule {@code below(w2, R)}, or by inverse CDF of {@code uniform53(w2, w3)} over
     * ruleProbabilities. a and b are rounded to float first and the label is computed in double from those
     * stored values, so {@code label[i] == (float) label(a[i], b[i], rule[i])} exactly. Inputs rows are [a, b].
     * The same stream as {@link MlpTaskBatch} (see {@link #draw}).
     */
    @Override
    public void sample(long seed, DataStream stream, long batchIndex, int examples, int length, boolean ood,
                       double[] ruleProbabilities, float[] inputs, int[] rule, float[] label, int rowOffset) {
        if (length != 1) throw new IllegalArgumentException("the MLP family has examples of length 1, not " + length);
        checkRange(rowOffset, examples, rule.length, "rule");
        checkRange(rowOffset, examples, label.length, "label");
        checkRange(2 * rowOffset, 2 * examples, inputs.length, "inputs");
        if (ruleProbabilities != null) Task.checkRuleProbabilities(ruleProbabilities, rules());
        int[] probabilityWords = ruleProbabilities == null ? null : DoubleBits.toInts(ruleProbabilities);
        draw(words(), 0, rules(), classification(), (int) seed, stream.id(), batchIndex, examples, ood,
                probabilityWords, inputs, rule, label, rowOffset);
    }

    @Override
    public BatchSampler sampler(Backend backend, Task[] replicas, long[] seeds) {
        return new MlpSampler(backend, replicas, seeds);
    }

    /**
     * The sampler itself, shared by {@link #sample} and {@link MlpTaskBatch}'s reference: examples of one
     * replica with Philox key (key0, streamId), coefficients (2, rules) as {@link DoubleBits} words starting at
     * double coefficientOff, rule probabilities (rules) as words or null, into rows rowOffset.. of inputs (rows, 2),
     * rule (rows) and label (rows). Allocates nothing.
     */
    public static void draw(int[] coefficients, int coefficientOff, int rules, boolean classification, int key0,
                            int streamId, long batchIndex, int examples, boolean ood, int[] probabilities,
                            float[] inputs, int[] rule, float[] label, int rowOffset) {
        double scale = ood ? 2.0 : 1.0;
        int c1 = (int) batchIndex, c2 = (int) (batchIndex >>> 32);
        int[] words = WORDS.get(); // one Philox block
        for (int i = 0; i < examples; i++) {
            Philox.block(i, c1, c2, 0, key0, streamId, words, 0);
            float ai = (float) (scale * Philox.normal(words[0]));
            float bi = (float) (scale * Philox.normal(words[1]));
            int c = probabilities == null ? Philox.below(words[2], rules)
                    : drawRule(Philox.uniform53(words[2], words[3]), probabilities, rules);
            int row = rowOffset + i;
            inputs[2 * row] = ai;
            inputs[2 * row + 1] = bi;
            rule[row] = c;
            label[row] = (float) labelOf(coefficients, coefficientOff, rules, classification, ai, bi, c);
        }
    }

    /**
     * Inverse CDF: the first rule whose cumulative probability exceeds u; rounding slack goes to the last positive
     * one. Shared with {@link MhaTask}.
     */
    static int drawRule(double u, int[] probabilities, int rules) {
        double cumulative = 0.0;
        int lastPositive = 0;
        for (int r = 0; r < rules; r++) {
            double p = DoubleBits.at(probabilities, r);
            if (p > 0.0) {
                cumulative += p;
                if (u < cumulative) return r;
                lastPositive = r;
            }
        }
        return lastPositive;
    }


    private static void checkRange(int offset, int count, int length, String name) {
        if (offset < 0 || count < 0 || offset > length - count) {
            throw new IllegalArgumentException("examples " + offset + ".." + (offset + count) + " (offset " + offset + ", count "
                    + count + ") do not fit array " + name + " of length " + length);
        }
    }
}
