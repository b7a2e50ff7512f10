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
}
