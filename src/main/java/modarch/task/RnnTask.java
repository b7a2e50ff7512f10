package modarch.task;

import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.Map;
import modarch.Checks;
import modarch.backend.Backend;
import modarch.backend.DoubleBits;

/**
 * One instance of the RNN task family, switching linear dynamics (reference: Mod_Arch {@code RNN/Regression/data.py}
 * and {@code RNN/Classification/data.py}). An example is a sequence of L steps; step t draws d features
 * x_t ~ N(0, I_d) and a rule c_t, and the state (a row vector) is
 * {@code s_t = x_t B[c_t] + sum over o = 1..order with t - o >= 0 of s_{t-o} A[c_t][o-1]}. The regression label of
 * step t is s_t (d values), the classification label 1 if {@code s_t . w >= 0}, else 0. Features are times 2 out of
 * distribution (before the states, as the reference). The coefficients come from
 * {@code rng = numpy.random.RandomState(dataSeed); A = rng.randn(R, order, d, d) / sqrt(order d);
 * B = rng.randn(R, d, d) / sqrt(d); w = rng.randn(d, 1)} ("transition", "input", "decoder"); w is drawn for
 * regression too (nothing is drawn after it, so A and B are the reference's either way). The model input is the d
 * features; the model appends the one-hot rule itself. Batches come from the counter-based {@link Philox} stream of
 * {@link #sample}. Thread-safe.
 *
 * <p>The arithmetic is fixed so that every backend gives the same bits: in double, each state element
 * {@code s_t[j] = (sum_i x_t[i] B[c][i][j]) + (sum_i s_{t-1}[i] A[c][0][i][j]) + ...}, each sum from 0.0 with i
 * ascending, each product and sum rounded on its own (no fused multiply-add), the order terms added in order;
 * {@code s_t . w} is summed from 0.0 with j ascending.
 */
public final class RnnTask implements Task {
    /**
     * The largest state dimension: kernels/rnn_task.cu runs one thread per state element in one block, holding x_t
     * and the last order + 1 states in double in shared memory, (order + 2) d doubles (20 KiB at the limits).
     */
    public static final int MAX_DIM = 256;
    /** The largest order (states a step reads back), for the same shared memory. */
    public static final int MAX_ORDER = 8;

    /** The Philox words of the sequence being drawn, its last states and its step's features, per thread. */
    private static final ThreadLocal<SequenceWords> SCRATCH = ThreadLocal.withInitial(SequenceWords::new);

    private final int rules;
    private final boolean classification;
    private final int dim;
    private final int order;
    private final int trainLength;
    private final double[] coefficients;  // A (R, order, d, d), B (R, d, d), w (d)
    private final int[] coefficientWords; // the same as DoubleBits words

    /**
     * rules in 2..64, dataSeed in 0..2^32-1 (a numpy RandomState seed), dim (the state's and the features' size, the
     * reference's --d-dim) in 1..{@value #MAX_DIM}, order in 1..{@value #MAX_ORDER} (both bounded by the CUDA
     * kernel's shared memory, see {@link #MAX_DIM}), trainLength >= 1 (steps per training sequence; the reference
     * trains at 10).
     */
    public RnnTask(int rules, long dataSeed, boolean classification, int dim, int order, int trainLength) {
        Checks.rules(rules);
        Checks.dataSeed(dataSeed);
        checkShape(dim, order);
        if (trainLength < 1) {
            throw new IllegalArgumentException("trainLength " + trainLength + " is out of range: allowed are 1.."
                    + Integer.MAX_VALUE);
        }
        this.rules = rules;
        this.classification = classification;
        this.dim = dim;
        this.order = order;
        this.trainLength = trainLength;
        NumpyRandomState rng = new NumpyRandomState(dataSeed);
        double[] transition = rng.randn(rules * order * dim * dim);
        double transitionScale = Math.sqrt(order * dim);
        for (int i = 0; i < transition.length; i++) transition[i] /= transitionScale;
        double[] input = rng.randn(rules * dim * dim);
        double inputScale = Math.sqrt(dim);
        for (int i = 0; i < input.length; i++) input[i] /= inputScale;
        double[] decoder = rng.randn(dim);
        this.coefficients = new double[wordsPerReplica(rules, dim, order) / 2];
        System.arraycopy(transition, 0, coefficients, 0, transition.length);
        System.arraycopy(input, 0, coefficients, transition.length, input.length);
        System.arraycopy(decoder, 0, coefficients, transition.length + input.length, dim);
        this.coefficientWords = DoubleBits.toInts(coefficients);
    }

    private static void checkShape(int dim, int order) {
        if (dim < 1 || dim > MAX_DIM) {
            throw new IllegalArgumentException("dim " + dim + " is out of range: allowed are 1.." + MAX_DIM
                    + " (the CUDA kernel's threads and shared memory)");
        }
        if (order < 1 || order > MAX_ORDER) {
            throw new IllegalArgumentException("order " + order + " is out of range: allowed are 1.." + MAX_ORDER
                    + " (the CUDA kernel's shared memory)");
        }
    }

    /**
     * Ints per replica of the coefficients as {@link DoubleBits} words: A (R, order, d, d), B (R, d, d) and w (d)
     * doubles, two words each, the layout of {@link RnnTaskBatch}'s coefficients.
     */
    public static int wordsPerReplica(int rules, int dim, int order) {
        return 2 * (rules * order * dim * dim + rules * dim * dim + dim);
    }

    @Override
    public int rules() {
        return rules;
    }

    @Override
    public boolean classification() {
        return classification;
    }

    /** The state's (and the features') dimension d. */
    public int dim() {
        return dim;
    }

    /** How many past states a step reads. */
    public int order() {
        return order;
    }

    /** The d features only: the model appends the one-hot rule. */
    @Override
    public int inputWidth() {
        return dim;
    }

    /** The state (d) for regression, one value for classification. */
    @Override
    public int labelWidth() {
        return classification ? 1 : dim;
    }

    @Override
    public int trainLength() {
        return trainLength;
    }

    /** The reference's main.py: {3, 5, 10, 20, 30} for models trained at length 10, else {10, 20, 30, 40, 50}. */
    @Override
    public int[] evalLengths() {
        return SequenceWords.evalLengths(trainLength);
    }

    /**
     * transition A (R * order * d * d), input B (R * d * d) and, for classification, decoder w (d); copies in the
     * reference's row-major order.
     */
    @Override
    public Map<String, double[]> coefficients() {
        int b0 = rules * order * dim * dim, w0 = b0 + rules * dim * dim;
        Map<String, double[]> out = new LinkedHashMap<>();
        out.put("transition", Arrays.copyOfRange(coefficients, 0, b0));
        out.put("input", Arrays.copyOfRange(coefficients, b0, w0));
        if (classification) out.put("decoder", Arrays.copyOfRange(coefficients, w0, w0 + dim));
        return out;
    }

    /** The coefficients as {@link DoubleBits} words, A then B then w ({@link #wordsPerReplica} ints); a copy. */
    public int[] coefficientWords() {
        return coefficientWords.clone();
    }

    /**
     * The states of one sequence: x (length, d) features and rule (length) rule indices give s (length, d), in the
     * arithmetic of the class comment (length = rule.length).
     */
    public double[] states(double[] x, int[] rule) {
        int length = rule.length;
        if (x.length != length * dim) {
            throw new IllegalArgumentException(length + " steps of " + dim + " features need " + length * dim
                    + " values, not " + x.length);
        }
        for (int t = 0; t < length; t++) {
            if (rule[t] < 0 || rule[t] >= rules) {
                throw new IllegalArgumentException("rule[" + t + "] = " + rule[t] + " out of range 0.." + (rules - 1));
            }
        }
        double[] s = new double[length * dim], sum = new double[dim];
        for (int t = 0; t < length; t++) advance(coefficients, rules, dim, order, rule[t], t, length, x, t * dim, s, 0, sum, 0);
        return s;
    }

    /**
     * The labels of one sequence, (length, {@link #labelWidth}): the {@link #states} for regression, else
     * 1.0 where {@code s_t . w >= 0} and 0.0 elsewhere.
     */
    public double[] labels(double[] x, int[] rule) {
        double[] s = states(x, rule);
        if (!classification) return s;
        double[] out = new double[rule.length];
        for (int t = 0; t < out.length; t++) out[t] = classify(coefficients, rules, dim, order, s, t * dim);
        return out;
    }

    /**
     * State s_t into states[statesOff + (t % slots) d ..] from the step's features x[xOff .. xOff + d), rule c and
     * the states s_{t-o} at slots (t - o) % slots; slots > order (or slots >= the sequence's length, which never
     * wraps), so s_t overwrites none that it reads. m holds A, B and w from 0; sum[sumOff ..] is d doubles of scratch.
     * The loops run over j innermost (contiguous rows of A and B) and keep each element's sums in the order of the
     * class comment.
     */
    private static void advance(double[] m, int rules, int dim, int order, int c, int t, int slots, double[] x,
                                int xOff, double[] states, int statesOff, double[] sum, int sumOff) {
        int dd = dim * dim;
        int a0 = c * order * dd;                  // A[c]
        int b0 = rules * order * dd + c * dd;     // B[c]
        int out = statesOff + (t % slots) * dim;
        Arrays.fill(states, out, out + dim, 0.0);
        for (int i = 0; i < dim; i++) {
            double xi = x[xOff + i];
            for (int j = 0, row = b0 + i * dim; j < dim; j++) states[out + j] += xi * m[row + j];
        }
        for (int o = 1; o <= order && t - o >= 0; o++) {
            int previous = statesOff + ((t - o) % slots) * dim;
            Arrays.fill(sum, sumOff, sumOff + dim, 0.0);
            for (int i = 0; i < dim; i++) {
                double si = states[previous + i];
                for (int j = 0, row = a0 + (o - 1) * dd + i * dim; j < dim; j++) sum[sumOff + j] += si * m[row + j];
            }
            for (int j = 0; j < dim; j++) states[out + j] += sum[sumOff + j];
        }
    }

    /** 1.0 if the state s[off .. off + d) has {@code s . w >= 0}, else 0.0; m as in advance. */
    private static double classify(double[] m, int rules, int dim, int order, double[] s, int off) {
        int w = rules * (order + 1) * dim * dim;
        double y = 0.0;
        for (int j = 0; j < dim; j++) y += s[off + j] * m[w + j];
        return y >= 0 ? 1.0 : 0.0;
    }

    /**
     * Sequence e of a batch reads the words of {@link SequenceWords}. Step t reads words from base = t (d + 2):
     * feature f = normal(base + f), times 2 when ood, rounded to float; the rule is {@code below(word base + d, R)},
     * or by inverse CDF of {@code uniform53(word base + d, word base + d + 1)} over ruleProbabilities. States and
     * labels are computed in double from the stored floats, so the labels of each sequence are
     * {@code (float) labels(features widened, rules)} exactly. Writes examples * length rows from rowOffset: inputs
     * (rows, d), rules (rows), labels (rows, {@link #labelWidth}). The same stream as {@link RnnTaskBatch}
     * (see {@link #draw}).
     */
    @Override
    public void sample(long seed, DataStream stream, long batchIndex, int examples, int length, boolean ood,
                       double[] ruleProbabilities, float[] inputs, int[] rule, float[] label, int rowOffset) {
        if (length < 1) throw new IllegalArgumentException("an RNN sequence needs at least 1 step, not " + length);
        int[] probabilityWords = SequenceWords.checkBatch(this, examples, length, ruleProbabilities, inputs, rule,
                label, rowOffset);
        draw(coefficientWords, 0, rules, dim, order, classification, (int) seed, stream.id(), batchIndex, 0, examples,
                length, ood, probabilityWords, inputs, rule, label, rowOffset);
    }

    @Override
    public BatchSampler sampler(Backend backend, Task[] replicas, long[] seeds) {
        return new RnnSampler(backend, replicas, seeds);
    }

    /**
     * The sampler itself, shared by {@link #sample} and {@link RnnTaskBatch}'s reference: sequences
     * [from, to) of a batch (each its own Philox counters, so any split of a batch draws the same values) of length
     * steps of one replica with Philox key (key0, streamId), coefficients A, B, w (layout of
     * {@link #wordsPerReplica}) as {@link DoubleBits} words starting at double coefficientOff, rule probabilities
     * (rules) as words or null, into rows rowOffset + e length.. of inputs (rows, dim), rule (rows) and label
     * (rows, dim for regression, 1 for classification). Allocates nothing once its thread has drawn with this dim and order.
     */
    public static void draw(int[] coefficients, int coefficientOff, int rules, int dim, int order,
                            boolean classification, int key0, int streamId, long batchIndex, int from, int to,
                            int length, boolean ood, int[] probabilities, float[] inputs, int[] rule, float[] label,
                            int rowOffset) {
        checkShape(dim, order);
        if (length < 1 || (long) length * (dim + 2) > Integer.MAX_VALUE) {
            throw new IllegalArgumentException("sequence length " + length + " out of range 1.."
                    + Integer.MAX_VALUE / (dim + 2));
        }
        double scale = ood ? 2.0 : 1.0;
        int slots = order + 1;
        int n = wordsPerReplica(rules, dim, order) / 2;
        SequenceWords s = SCRATCH.get();
        s.startBatch(key0, streamId, batchIndex);
        // m: the coefficients as doubles; v: (slots, d) the last states, then (d) x_t, then (d) sum's scratch (apart
        // from m, so that the JIT may vectorize advance's loops over j)
        double[] m = s.doubles(0, n), v = s.doubles(1, (slots + 2) * dim);
        for (int i = 0; i < n; i++) m[i] = DoubleBits.at(coefficients, coefficientOff + i);
        int x0 = slots * dim;
        for (int e = from; e < to; e++) {
            s.startSequence(e);
            int row0 = rowOffset + e * length;
            for (int t = 0; t < length; t++) {
                int base = t * (dim + 2), row = row0 + t;
                for (int f = 0; f < dim; f++) {
                    float value = (float) (scale * Philox.normal(s.word(base + f)));
                    inputs[row * dim + f] = value;
                    v[x0 + f] = value;
                }
                int c = s.rule(base + dim, probabilities, rules);
                rule[row] = c;
                advance(m, rules, dim, order, c, t, slots, v, x0, v, 0, v, x0 + dim);
                int at = (t % slots) * dim;
                if (classification) {
                    label[row] = (float) classify(m, rules, dim, order, v, at);
                } else {
                    for (int j = 0; j < dim; j++) label[row * dim + j] = (float) v[at + j];
                }
            }
        }
    }
}
