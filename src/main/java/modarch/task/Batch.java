package modarch.task;

import java.util.Arrays;
import modarch.backend.Backend;
import modarch.backend.DoubleBits;
import modarch.backend.FloatBuf;
import modarch.backend.IntBuf;
import modarch.backend.IntMat;

/**
 * One batch of every replica on the backend: inputs (rep, rows, inputWidth), rules (rep, rows),
 * labels (rep, rows, labelWidth). Drawn on the backend by the tasks' {@link BatchSampler} (on a GPU, by a kernel)
 * at a batch index held in a backend counter, so a recorded step can draw its next batch by itself
 * ({@link #fillNext}, then the counter advanced in the step's last op: {@link #index()}).
 */
public final class Batch implements AutoCloseable {
    private final Backend backend;
    private final int rep;
    private final int inputWidth;
    private final int labelWidth;
    private final FloatBuf inputs;
    private final IntBuf rules;
    private final FloatBuf labels;
    private final IntBuf batchIndex; // batchIndex is (2): the low and high word of the next batch's number
    private final IntMat index;      // batchIndex's view
    private IntBuf probabilities;    // probabilities is (2 R): the last rule probabilities, DoubleBits words
    private BatchSampler sampler;
    private Task[] samplerTasks;
    private long[] samplerSeeds;
    private int rows;
    private int length;

    public Batch(Backend backend, int rep, int maxRows, int inputWidth, int labelWidth) {
        this.backend = backend;
        this.rep = rep;
        this.inputWidth = inputWidth;
        this.labelWidth = labelWidth;
        int n = Math.multiplyExact(rep, maxRows);
        this.inputs = backend.allocFloats(Math.multiplyExact(n, inputWidth));
        this.rules = backend.allocInts(n);
        this.labels = backend.allocFloats(Math.multiplyExact(n, labelWidth));
        this.batchIndex = backend.allocInts(2);
        this.index = IntMat.vector("batchIndex", batchIndex, 0, 2);
    }

    /**
     * Draws batch batchIndex of stream for every replica r from tasks[r] and seeds[r]: examples of length rows
     * each; ruleProbabilities (R) or null for uniform rules.
     */
    public void fill(Task[] tasks, long[] seeds, DataStream stream, long index, int examples, int length,
                     boolean ood, double[] ruleProbabilities) {
        setNextIndex(index);
        IntBuf probabilityWords = null;
        if (ruleProbabilities != null) {
            Task.checkRuleProbabilities(ruleProbabilities, tasks[0].rules());
            int[] words = DoubleBits.toInts(ruleProbabilities);
            if (probabilities == null || probabilities.length() != words.length) {
                if (probabilities != null) probabilities.close();
                probabilities = backend.allocInts(words.length);
            }
            backend.upload(words, 0, probabilities, 0, words.length);
            probabilityWords = probabilities;
        }
        draw(tasks, seeds, stream, examples, length, ood, probabilityWords);
    }

    /** Sets the number of the batch that {@link #fillNext} draws next (an upload: not inside a recorded step). */
    public void setNextIndex(long index) {
        backend.upload(new int[] {(int) index, (int) (index >>> 32)}, 0, batchIndex, 0, 2);
    }

    /**
     * Draws the batch of stream (uniform rules, in distribution) that the batch number names, on the backend alone: a
     * recorded step replays it. The caller advances the number ({@link #index()}) once the batch is used.
     */
    public void fillNext(Task[] tasks, long[] seeds, DataStream stream, int examples, int length) {
        draw(tasks, seeds, stream, examples, length, false, null);
    }

    /** The number of the batch {@link #fillNext} draws: (low, high) words of a 64-bit count on the backend. */
    public IntMat index() {
        return index;
    }

    private void draw(Task[] tasks, long[] seeds, DataStream stream, int examples, int length, boolean ood,
                      IntBuf probabilityWords) {
        int newRows = Math.multiplyExact(examples, length);
        if ((long) rep * newRows > rules.length()) {
            throw new IllegalArgumentException("a batch of " + newRows + " rows per replica exceeds this batch's "
                    + rules.length() / rep);
        }
        rows = newRows;
        this.length = length;
        sampler(tasks, seeds).draw(stream, batchIndex, examples, length, ood, probabilityWords, inputs, rules, labels);
    }

    /** The sampler of these tasks and seeds, made (and its tables uploaded) when they change. */
    private BatchSampler sampler(Task[] tasks, long[] seeds) {
        if (tasks.length != rep || seeds.length != rep) {
            throw new IllegalArgumentException(tasks.length + " tasks and " + seeds.length + " seeds for " + rep
                    + " replicas");
        }
        if (sampler == null || !Arrays.equals(tasks, samplerTasks) || !Arrays.equals(seeds, samplerSeeds)) {
            if (sampler != null) sampler.close();
            sampler = null;
            sampler = tasks[0].sampler(backend, tasks, seeds);
            samplerTasks = tasks.clone();
            samplerSeeds = seeds.clone();
        }
        return sampler;
    }

    /**
     * Makes the batch hold given examples of one row each (a test's or a reference's): inputs (rep, rows,
     * inputWidth), rules (rep, rows), labels (rep, rows, labelWidth), rows = rules.length / rep.
     */
    public void set(float[] givenInputs, int[] givenRules, float[] givenLabels) {
        set(givenInputs, givenRules, givenLabels, 1);
    }

    /** As {@link #set(float[], int[], float[])} for examples of givenLength rows each (sequences). */
    public void set(float[] givenInputs, int[] givenRules, float[] givenLabels, int givenLength) {
        rows = givenRules.length / rep;
        if (givenLength < 1 || rows % givenLength != 0) {
            throw new IllegalArgumentException(rows + " rows per replica are not sequences of length " + givenLength);
        }
        length = givenLength;
        if (givenInputs.length != rep * rows * inputWidth || givenLabels.length != rep * rows * labelWidth) {
            throw new IllegalArgumentException("batch of " + rows + " rows per replica needs " + rep * rows * inputWidth
                    + " inputs and " + rep * rows * labelWidth + " labels, got " + givenInputs.length + " and "
                    + givenLabels.length);
        }
        backend.upload(givenInputs, 0, inputs, 0, givenInputs.length);
        backend.upload(givenRules, 0, rules, 0, givenRules.length);
        backend.upload(givenLabels, 0, labels, 0, givenLabels.length);
    }

    public FloatBuf inputs() {
        return inputs;
    }

    public IntBuf rules() {
        return rules;
    }

    public FloatBuf labels() {
        return labels;
    }

    /** Rows per replica of the last fill: examples * length. */
    public int rows() {
        return rows;
    }

    /** Rows per example of the last fill (tokens of a sequence; 1 in the MLP family). */
    public int length() {
        return length;
    }

    public int rep() {
        return rep;
    }

    @Override
    public void close() {
        if (sampler != null) sampler.close();
        if (probabilities != null) probabilities.close();
        inputs.close();
        rules.close();
        labels.close();
        batchIndex.close();
    }
}
