package modarch.train;

import modarch.Checks;

/**
 * How much data the final evaluation uses, the reference's counts by default: performance over
 * 100 batches, the activation matrix over 1000 batches, adaptation over 10 batches for each of
 * 100 Dirichlet draws, every batch of 1000 examples.
 */
public record EvalCounts(int performanceBatches, int activationBatches, int adaptationBatches, int batchSize) {
    public static final EvalCounts REFERENCE = new EvalCounts(100, 1000, 10, 1000);

    public EvalCounts {
        Checks.positive("--performance-batches", performanceBatches);
        Checks.positive("--activation-batches", activationBatches);
        Checks.positive("--adaptation-batches", adaptationBatches);
        Checks.positive("--eval-batch-size", batchSize);
    }

    /** A tenth of the batches (at least one each), for a quick look. */
    public EvalCounts fast() {
        return new EvalCounts(Math.max(1, performanceBatches / 10), Math.max(1, activationBatches / 10),
                Math.max(1, adaptationBatches / 10), batchSize);
    }
}
