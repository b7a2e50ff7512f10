package modarch.task;

import modarch.backend.DoubleBits;

/**
 * The Philox words of one sequence of a batch, shared by the sequence families' draws (MHA, RNN): key
 * (seed, stream id), and word w = 0, 1, ... of sequence e is word w % 4 of the block of counter
 * (e, batch index low, batch index high, w / 4). Words are read in increasing order, so one block is cached.
 * A draw's double scratch too; and the checks every sequence family's {@code sample} makes, and their evaluation
 * lengths. An instance is a thread's own (not thread-safe).
 */
final class SequenceWords {
    private final int[] block = new int[4];
    private int key0, key1, c0, c1, c2;
    private int cached; // block number in block, -1 for none
    private final double[][] doubles = {new double[0], new double[0]};

    /** The batch: Philox key (key0, streamId) and the 64-bit batch index. */
    void startBatch(int key0, int streamId, long batchIndex) {
        this.key0 = key0;
        this.key1 = streamId;
        this.c1 = (int) batchIndex;
        this.c2 = (int) (batchIndex >>> 32);
    }

    /** Sequence example of the batch. */
    void startSequence(int example) {
        c0 = example;
        cached = -1;
    }

    /** Word w of the current sequence. */
    int word(int w) {
        int b = w >>> 2;
        if (b != cached) {
            Philox.block(c0, c1, c2, b, key0, key1, block, 0);
            cached = b;
        }
        return block[w & 3];
    }

    /**
     * Scratch array k (0 or 1; apart from each other) of at least n doubles for the draw, grown when too short, so a
     * warm draw allocates nothing.
     */
    double[] doubles(int k, int n) {
        if (doubles[k].length < n) doubles[k] = new double[n];
        return doubles[k];
    }

    /**
     * The rule of a step whose rule words start at w: {@code below(word w, rules)}, or with probabilities (rules
     * doubles as {@link DoubleBits} words) by inverse CDF of {@code uniform53(word w, word w + 1)}.
     */
    int rule(int w, int[] probabilities, int rules) {
        return probabilities == null ? Philox.below(word(w), rules)
                : MlpTask.drawRule(Philox.uniform53(word(w), word(w + 1)), probabilities, rules);
    }

    /** The reference's main.py: {3, 5, 10, 20, 30} for models trained at length 10, else {10, 20, 30, 40, 50}. */
    static int[] evalLengths(int trainLength) {
        return trainLength == 10 ? new int[] {3, 5, 10, 20, 30} : new int[] {10, 20, 30, 40, 50};
    }

    /**
     * Checks that rows rowOffset.. of examples * length rows fit inputs (rows, inputWidth), rule (rows) and label
     * (rows, labelWidth), and the rule probabilities (null: uniform); returns those as DoubleBits words, or null.
     */
    static int[] checkBatch(Task task, int examples, int length, double[] ruleProbabilities, float[] inputs,
                            int[] rule, float[] label, int rowOffset) {
        long rows = (long) examples * length;
        checkRange(rowOffset, rows, rule.length, "rule");
        checkRange((long) rowOffset * task.labelWidth(), rows * task.labelWidth(), label.length, "label");
        checkRange((long) rowOffset * task.inputWidth(), rows * task.inputWidth(), inputs.length, "inputs");
        if (ruleProbabilities == null) return null;
        Task.checkRuleProbabilities(ruleProbabilities, task.rules());
        return DoubleBits.toInts(ruleProbabilities);
    }

    private static void checkRange(long offset, long count, int length, String name) {
        if (offset < 0 || count < 0 || offset > length - count) {
            throw new IllegalArgumentException("elements " + offset + ".." + (offset + count) + " (offset " + offset
                    + ", count " + count + ") do not fit array " + name + " of length " + length);
        }
    }
}
