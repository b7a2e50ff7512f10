package modarch.task;

import modarch.backend.Backend;
import modarch.backend.DoubleBits;

/**
 * One instance of the MHA task family, search and retrieve (reference: Mod_Arch {@code MHA/Regression/data.py}
 * and {@code MHA/Classification/data.py}, data version 2). An example is a sequence of L tokens of F features
 * and one rule per token. Search version 1: F = 4R, rule r owns features 4r..4r+3, all N(0,1); for token i with
 * rule r, search 1 finds the other token j1 whose feature 4r is nearest to token i's (least absolute difference)
 * and retrieves its feature 4r+2; search 2 likewise with features 4r+1 and 4r+3. Search version 2: F = 6R, rule r
 * owns two unit 2-D vectors (features 6r..6r+1 and 6r+2..6r+3, normalised N(0,I) pairs) and two N(0,1) values
 * (6r+4, 6r+5); search k finds the other token whose k-th vector has the greatest dot product with token i's and
 * retrieves value k. The regression label is {@code coeff1[r]*retrieved1 + coeff2[r]*retrieved2}, the
 * classification label 1 if that is >= 0, else 0. Features are times 2 out of distribution. The coefficients come
 * from {@code rng = numpy.random.RandomState(dataSeed); coeff1 = rng.randn(R); coeff2 = rng.randn(R)}. The model
 * input is the F features; the model appends the one-hot rule itself. Batches come from the counter-based
 * {@link Philox} stream of {@link #sample}. Thread-safe.
 */
public final class MhaTask extends CoefficientTask {
    /** The Philox words of the sequence being drawn and its features widened to double, per thread. */
    private static final ThreadLocal<SequenceWords> SCRATCH = ThreadLocal.withInitial(SequenceWords::new);

    private final int searchVersion;
    private final int trainLength;

    /**
     * rules in 2..64, dataSeed in 0..2^32-1 (a numpy RandomState seed), searchVersion 1 or 2, trainLength >= 2
     * (tokens per training sequence; the reference trains at 10).
     */
    public MhaTask(int rules, long dataSeed, boolean classification, int searchVersion, int trainLength) {
        super(rules, dataSeed, classification);
        checkSearchVersion(searchVersion);
        if (trainLength < 2) {
            throw new IllegalArgumentException("trainLength " + trainLength + ": an MHA sequence needs at least 2 tokens");
        }
        this.searchVersion = searchVersion;
        this.trainLength = trainLength;
    }

    /** Features per token: 4 rules (search version 1) or 6 rules (version 2). */
    public static int features(int rules, int searchVersion) {
        checkSearchVersion(searchVersion);
        return (searchVersion == 1 ? 4 : 6) * rules;
    }

    private static void checkSearchVersion(int searchVersion) {
        if (searchVersion != 1 && searchVersion != 2) {
            throw new IllegalArgumentException("search version " + searchVersion + ": allowed are 1 and 2");
        }
    }

    /** 1: nearest scalar feature; 2: greatest dot product of unit 2-D vectors. */
    public int searchVersion() {
        return searchVersion;
    }

    /** The features only: the model appends the one-hot rule. */
    @Override
    public int inputWidth() {
        return features(rules(), searchVersion);
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
     * The winner of one search, the reference's {@code search_v1} / {@code search_v2}: over one sequence x
     * ((length, features) doubles from x[off]), the token that search {@code which} (0: search 1, 1: search 2) of
     * rule {@code rule} finds for token {@code token}. Version 1, key feature f = 4 rule + which: the argmin over j
     * of {@code |x[j][f] - x[token][f]|} with the token itself at +infinity; version 2, key features
     * f = 6 rule + 2 which and f + 1: the argmax over j of {@code x[token][f] x[j][f] + x[token][f+1] x[j][f+1]} with
     * the token itself at -infinity. Ties go to the lowest j, as numpy's argmin and argmax (inputs are finite).
     */
    public static int search(double[] x, int off, int length, int features, int searchVersion, int token, int rule,
                             int which) {
        int best = 0;
        if (searchVersion == 1) {
            int key = off + 4 * rule + which;
            double xi = x[key + token * features];
            double bestDistance = token == 0 ? Double.POSITIVE_INFINITY : Math.abs(x[key] - xi);
            for (int j = 1; j < length; j++) {
                double d = j == token ? Double.POSITIVE_INFINITY : Math.abs(x[key + j * features] - xi);
                if (d < bestDistance) {
                    bestDistance = d;
                    best = j;
                }
            }
        } else {
            int key = off + 6 * rule + 2 * which;
            double xi0 = x[key + token * features], xi1 = x[key + token * features + 1];
            double bestDot = token == 0 ? Double.NEGATIVE_INFINITY : xi0 * x[key] + xi1 * x[key + 1];
            for (int j = 1; j < length; j++) {
                int at = key + j * features;
                double d = j == token ? Double.NEGATIVE_INFINITY : xi0 * x[at] + xi1 * x[at + 1];
                if (d > bestDot) {
                    bestDot = d;
                    best = j;
                }
            }
        }
        return best;
    }

    /**
     * The label of token {@code token} of one sequence x ((length, F) doubles) under rule {@code rule}: the
     * regression value {@code coeff1[rule] * x[j1][v1] + coeff2[rule] * x[j2][v2]} (j1, j2 the winners of
     * {@link #search}, v1, v2 the retrieved features: 4 rule + 2, + 3 in version 1, 6 rule + 4, + 5 in version 2),
     * or 1.0 / 0.0 for classification.
     */
    public double label(double[] x, int length, int token, int rule) {
        int features = inputWidth();
        if (length < 2 || x.length < length * features) {
            throw new IllegalArgumentException("a sequence of " + length + " tokens of " + features
                    + " features needs length >= 2 and " + length * features + " values, not " + x.length);
        }
        if (token < 0 || token >= length) throw new IllegalArgumentException("token " + token + " out of range 0.." + (length - 1));
        if (rule < 0 || rule >= rules()) {
            throw new IllegalArgumentException("rule " + rule + " out of range 0.." + (rules() - 1));
        }
        return labelOf(x, 0, length, features, searchVersion, token, rule, words(), 0, rules(), classification());
    }

    /** {@link #label} with coefficients (2, rules) as {@link DoubleBits} words from double coefficientOff. */
    private static double labelOf(double[] x, int off, int length, int features, int searchVersion, int token,
                                  int rule, int[] coefficients, int coefficientOff, int rules, boolean classification) {
        int value = off + (searchVersion == 1 ? 4 * rule + 2 : 6 * rule + 4);
        double retrieved1 = x[value + search(x, off, length, features, searchVersion, token, rule, 0) * features];
        double retrieved2 = x[value + 1 + search(x, off, length, features, searchVersion, token, rule, 1) * features];
        double y = DoubleBits.at(coefficients, coefficientOff + rule) * retrieved1
                + DoubleBits.at(coefficients, coefficientOff + rules + rule) * retrieved2;
        return classification ? (y >= 0 ? 1.0 : 0.0) : y;
    }

    /**
     * Sequence e of a batch, Philox key (seed, stream id): its words w = 0, 1, ... are word w % 4 of the Philox
     * block of counter (e, batch index low, batch index high, w / 4). Token t reads words from base = t (F + 2):
     * version 1, feature f = normal(base + f); version 2, for rule r and vector p in {0, 1},
     * n0 = normal(base + 4r + 2p), n1 = normal(base + 4r + 2p + 1), features 6r + 2p, 6r + 2p + 1 =
     * n0 / sqrt(n0^2 + n1^2), n1 / sqrt(n0^2 + n1^2), and values 6r + 4, 6r + 5 = normal(base + 4R + 2r),
     * normal(base + 4R + 2r + 1). Features are times 2 when ood, then rounded to float. The rule is
     * {@code below(word base + F, R)}, or by inverse CDF of {@code uniform53(word base + F, word base + F + 1)} over
     * ruleProbabilities. Labels are computed in double from the stored floats, so
     * {@code label[t] == (float) label(features widened, length, t, rule[t])} exactly. length >= 2; writes
     * examples * length rows from rowOffset. The same stream as {@link MhaTaskBatch} (see {@link #draw}).
     */
    @Override
    public void sample(long seed, DataStream stream, long batchIndex, int examples, int length, boolean ood,
                       double[] ruleProbabilities, float[] inputs, int[] rule, float[] label, int rowOffset) {
        if (length < 2) throw new IllegalArgumentException("an MHA sequence needs at least 2 tokens, not " + length);
        int[] probabilityWords = SequenceWords.checkBatch(this, examples, length, ruleProbabilities, inputs, rule,
                label, rowOffset);
        draw(words(), 0, rules(), searchVersion, classification(), (int) seed, stream.id(), batchIndex, examples,
                length, ood, probabilityWords, inputs, rule, label, rowOffset);
    }

    @Override
    public BatchSampler sampler(Backend backend, Task[] replicas, long[] seeds) {
        return new MhaSampler(backend, replicas, seeds);
    }

    /**
     * The sampler itself, shared by {@link #sample} and {@link MhaTaskBatch}'s reference: examples sequences
     * of length tokens of one replica with Philox key (key0, streamId), coefficients (2, rules) as
     * {@link DoubleBits} words starting at double coefficientOff, rule probabilities (rules) as words or null, into
     * rows rowOffset.. of inputs (rows, F), rule (rows) and label (rows). Allocates nothing once its thread has
     * drawn a sequence this long.
     */
    public static void draw(int[] coefficients, int coefficientOff, int rules, int searchVersion,
                            boolean classification, int key0, int streamId, long batchIndex, int examples, int length,
                            boolean ood, int[] probabilities, float[] inputs, int[] rule, float[] label, int rowOffset) {
        int features = features(rules, searchVersion);
        if (length < 2 || (long) length * (features + 2) > Integer.MAX_VALUE) {
            throw new IllegalArgumentException("sequence length " + length + " out of range 2.."
                    + Integer.MAX_VALUE / (features + 2));
        }
        double scale = ood ? 2.0 : 1.0;
        SequenceWords s = SCRATCH.get();
        s.startBatch(key0, streamId, batchIndex);
        double[] x = s.doubles(0, length * features);
        for (int e = 0; e < examples; e++) {
            s.startSequence(e);
            int row0 = rowOffset + e * length;
            for (int t = 0; t < length; t++) {
                int base = t * (features + 2), at = (row0 + t) * features;
                if (searchVersion == 1) {
                    for (int f = 0; f < features; f++) inputs[at + f] = (float) (scale * Philox.normal(s.word(base + f)));
                } else {
                    for (int r = 0; r < rules; r++) {
                        for (int p = 0; p < 2; p++) {
                            double n0 = Philox.normal(s.word(base + 4 * r + 2 * p));
                            double n1 = Philox.normal(s.word(base + 4 * r + 2 * p + 1));
                            double norm = Math.sqrt(n0 * n0 + n1 * n1);
                            inputs[at + 6 * r + 2 * p] = (float) (scale * (n0 / norm));
                            inputs[at + 6 * r + 2 * p + 1] = (float) (scale * (n1 / norm));
                        }
                    }
                    for (int r = 0; r < rules; r++) {
                        inputs[at + 6 * r + 4] = (float) (scale * Philox.normal(s.word(base + 4 * rules + 2 * r)));
                        inputs[at + 6 * r + 5] = (float) (scale * Philox.normal(s.word(base + 4 * rules + 2 * r + 1)));
                    }
                }
                rule[row0 + t] = s.rule(base + features, probabilities, rules);
            }
            for (int i = 0; i < length * features; i++) x[i] = inputs[row0 * features + i];
            for (int t = 0; t < length; t++) {
                label[row0 + t] = (float) labelOf(x, 0, length, features, searchVersion, t, rule[row0 + t],
                        coefficients, coefficientOff, rules, classification);
            }
        }
    }
}
