package modarch.train;

/**
 * How much data the final evaluation uses, the reference's counts by default: performance over
 * 100 batches, the activation matrix over 1000 batches, adaptation over 10 batches for each of
 * 100 Dirichlet draws, every batch of 1000 examples.
 */
public record EvalCounts(int performanceBatches, int activationBatches, int adaptationBatches, int batchSize) {
    public static final EvalCounts REFERENCE = new EvalCounts(100, 1000, 10, 1000);

    public EvalCounts {
        positive("--performance-batches", performanceBatches);
        positive("--activation-batches", activationBatches);
        positive("--adaptation-batches", adaptationBatches);
        positive("--eval-batch-size", batchSize);
    }

    private static void positive(String option, int value) {
        if (value <= 0) throw new IllegalArgumentException(option + " " + value + " is not allowed: it must be > 0");
    }

    /** A tenth of the batches (at least one each), for a quick look. */
    public EvalCounts fast() {
        return new EvalCounts(Math.max(1, performanceBatches / 10), Math.max(1, activationBatches / 10),
                Math.max(1, adaptationBatches / 10), batchSize);
    }
}
