package modarch.task;

import modarch.backend.Backend;
import modarch.backend.FloatBuf;
import modarch.backend.IntBuf;

/**
 * One batch of every replica on the backend: inputs (rep, rows, inputWidth), rules (rep, rows),
 * labels (rep, rows, labelWidth). Drawn on the host from each replica's task and seed, then uploaded.
 */
public final class Batch implements AutoCloseable {
    private final Backend backend;
    private final int rep;
    private final int inputWidth;
    private final int labelWidth;
    private final float[] hostInputs; // (rep, rows, inputWidth)
    private final int[] hostRules;    // (rep, rows)
    private final float[] hostLabels; // (rep, rows, labelWidth)
    private final FloatBuf inputs;
    private final IntBuf rules;
    private final FloatBuf labels;
    private int rows;

    public Batch(Backend backend, int rep, int maxRows, int inputWidth, int labelWidth) {
        this.backend = backend;
        this.rep = rep;
        this.inputWidth = inputWidth;
        this.labelWidth = labelWidth;
        int n = Math.multiplyExact(rep, maxRows);
        this.hostInputs = new float[Math.multiplyExact(n, inputWidth)];
        this.hostRules = new int[n];
        this.hostLabels = new float[Math.multiplyExact(n, labelWidth)];
        this.inputs = backend.allocFloats(hostInputs.length);
        this.rules = backend.allocInts(n);
        this.labels = backend.allocFloats(hostLabels.length);
    }

    /**
     * Draws batch batchIndex of stream for every replica r from tasks[r] and seeds[r]: examples of length rows
     * each; ruleProbabilities (R) or null for uniform rules.
     */
    public void fill(Task[] tasks, long[] seeds, DataStream stream, long batchIndex, int examples, int length,
                     boolean ood, double[] ruleProbabilities) {
        rows = Math.multiplyExact(examples, length);
        for (int r = 0; r < rep; r++) {
            tasks[r].sample(seeds[r], stream, batchIndex, examples, length, ood, ruleProbabilities,
                    hostInputs, hostRules, hostLabels, r * rows);
        }
        backend.upload(hostInputs, 0, inputs, 0, rep * rows * inputWidth);
        backend.upload(hostRules, 0, rules, 0, rep * rows);
        backend.upload(hostLabels, 0, labels, 0, rep * rows * labelWidth);
    }

    /**
     * Makes the batch hold given examples (a test's or a reference's): inputs (rep, rows, inputWidth), rules
     * (rep, rows), labels (rep, rows, labelWidth), rows = rules.length / rep.
     */
    public void set(float[] givenInputs, int[] givenRules, float[] givenLabels) {
        rows = givenRules.length / rep;
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

    public int rep() {
        return rep;
    }

    @Override
    public void close() {
        inputs.close();
        rules.close();
        labels.close();
    }
}
