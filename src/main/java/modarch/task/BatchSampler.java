package modarch.task;

import modarch.backend.FloatBuf;
import modarch.backend.IntBuf;

/**
 * Draws batches of a group of replicas on a backend, each replica from its own task instance and seed: the same
 * examples as {@link Task#sample}, without the host (on a GPU, one kernel). Holds what the draws read (seeds,
 * coefficients) in backend buffers, uploaded once.
 */
public interface BatchSampler extends AutoCloseable {

    /**
     * Draws the batch whose index is the 64-bit count (low, high word) in batchIndex: examples of length rows per
     * replica, into inputs (rep, rows, inputWidth), rules (rep, rows) and labels (rep, rows, labelWidth).
     *
     * @param probabilities (R) rule probabilities as {@link modarch.backend.DoubleBits} words, or null for uniform
     */
    void draw(DataStream stream, IntBuf batchIndex, int examples, int length, boolean ood, IntBuf probabilities,
              FloatBuf inputs, IntBuf rules, FloatBuf labels);

    @Override
    void close();
}
