package modarch.task;

/**
 * The data streams of a run, each its own Philox key: key = (seed, id), counter = (example, batch index low,
 * batch index high, block). Fixed here and nowhere else, so every backend draws the same examples.
 */
public enum DataStream {
    /** Training batches; batch index = iteration - 1. */
    TRAIN(1),
    /** The evaluations during training; batch index = evaluation number * 2 * batches + (OoD ? batches : 0) + i. */
    EVAL(2),
    /** Final performance (eval), in distribution then OoD. */
    PERFORMANCE(10),
    /** Final activation matrix (eval). */
    ACTIVATION(11),
    /** Final adaptation (eval): batch index = draw * batches per draw + i. */
    ADAPTATION(12);

    private final int id;

    DataStream(int id) {
        this.id = id;
    }

    /** The second word of the Philox key. */
    public int id() {
        return id;
    }
}
