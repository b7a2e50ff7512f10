package modarch.task;

import java.util.Map;
import modarch.backend.Backend;

/**
 * One task instance (a family, a rule count, a data seed): its coefficients and a counter-based sampler.
 * An example is {@code length} rows (tokens or time steps; 1 in the MLP family); row i of a batch has
 * {@link #inputWidth()} input floats, one rule index and {@link #labelWidth()} label floats.
 */
public interface Task {

    int rules();

    boolean classification();

    /** Floats per row of the model input. */
    int inputWidth();

    /** Floats per row of the label. */
    int labelWidth();

    /** Rows per example in training. */
    int trainLength();

    /** Rows per example at which a trained model is evaluated (sequence-length generalisation). */
    int[] evalLengths();

    /** The task instance's coefficients by name, for display (e.g. coeff1, coeff2: (R) each). */
    Map<String, double[]> coefficients();

    /**
     * Draws batch number batchIndex of stream for a run with the given seed: examples of length rows each,
     * into rows rowOffset.. of inputs (rows, inputWidth), rules (rows) and labels (rows, labelWidth).
     * Allocates nothing; the same arguments always give the same examples.
     *
     * @param ruleProbabilities (R) non-negative, summing to 1; null means uniform
     */
    void sample(long seed, DataStream stream, long batchIndex, int examples, int length, boolean ood,
                double[] ruleProbabilities, float[] inputs, int[] rules, float[] labels, int rowOffset);

    /**
     * A sampler that draws this family's batches for a group of replicas on backend: replica r from task
     * replicas[r] (all of this task's family and shape) and seeds[r].
     */
    BatchSampler sampler(Backend backend, Task[] replicas, long[] seeds);

    /** numpy's choice() tolerance on the sum of a probability vector: sqrt(machine epsilon). */
    double PROBABILITY_SUM_TOLERANCE = Math.sqrt(Math.ulp(1.0));

    /** Checks rule probabilities as numpy's choice() does: rules values in [0, 1] summing to 1. */
    static void checkRuleProbabilities(double[] p, int rules) {
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
            throw new IllegalArgumentException("ruleProbabilities sum to " + sum + ", must be 1 (within "
                    + PROBABILITY_SUM_TOLERANCE + ")");
        }
    }
}
