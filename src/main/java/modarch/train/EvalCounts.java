package modarch.train;

import modarch.Checks;

/**
 * How much data the final evaluation uses, the reference's counts by default: performance over
 * 100 batches, the activation matrix over 1000 batches, adaptation over 10 batches for each of
 * 100 Dirichlet draws, every batch of 1000 examples.
 */
public record EvalCounts(int performanceBatches, int activationBatches, int adaptationBatches, int batchSize) {
    public static final EvalCounts REFERENCE = new EvalCounts(100, 1000, 10, 1000);

    /** The most of each count: a million batches, or examples per batch. */
    public static final int MAX = 1_000_000;

    public EvalCounts {
        Checks.inRange("--performance-batches", performanceBatches, 1, MAX, null);
        Checks.inRange("--activation-batches", activationBatches, 1, MAX, null);
        Checks.inRange("--adaptation-batches", adaptationBatches, 1, MAX, null);
        Checks.inRange("--eval-batch-size", batchSize, 1, MAX, null);
    }

    /** A tenth of the batches (at least one each), for a quick look. */
    public EvalCounts fast() {
        return new EvalCounts(Math.max(1, performanceBatches / 10), Math.max(1, activationBatches / 10),
                Math.max(1, adaptationBatches / 10), batchSize);
    }
}
