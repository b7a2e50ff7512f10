package modarch.task;

import modarch.backend.cpu.Parallel;

/**
 * {@link RnnTaskBatch}'s reference, its sequences split across the pool (the scalar backend's: a pool of
 * the calling thread alone): every sequence draws from its own Philox counters ({@link RnnTask#draw}), so any split
 * gives the same bits. Items are (replica, sequence) pairs, replica-major; one calling thread's call is reused, so a
 * draw allocates nothing.
 */
final class RnnDraws implements Parallel.IntRangeBody {
    /** From this many sequences on, a draw is split across the pool (about 10 us of work each at d = 32). */
    static final int PARALLEL_MIN = 16;

    private static final ThreadLocal<RnnDraws> CALLS = ThreadLocal.withInitial(RnnDraws::new);

    private int examples, length, rules, dim, order, streamId, doublesPerReplica;
    private boolean classification, ood;
    private long batch;
    private int[] seeds, coefficients, probabilities, rule;
    private float[] inputs, label;

    /** See {@link RnnTaskBatch}; arrays are the buffers' contents, batch the batch index. */
    static void draw(Parallel parallel, int rep, int examples, int length, int rules, int dim, int order,
                     boolean classification, int[] seeds, int streamId, long batch, boolean ood, int[] coefficients,
                     int[] probabilities, float[] inputs, int[] rule, float[] label) {
        RnnDraws call = CALLS.get();
        call.examples = examples;
        call.length = length;
        call.rules = rules;
        call.dim = dim;
        call.order = order;
        call.classification = classification;
        call.seeds = seeds;
        call.streamId = streamId;
        call.batch = batch;
        call.ood = ood;
        call.coefficients = coefficients;
        call.doublesPerReplica = RnnTask.wordsPerReplica(rules, dim, order) / 2;
        call.probabilities = probabilities;
        call.inputs = inputs;
        call.rule = rule;
        call.label = label;
        int items = rep * examples;
        if (parallel.threads() > 1 && items >= PARALLEL_MIN) {
            parallel.parallelFor(items, call);
        } else {
            call.run(0, items);
        }
    }

    /** Items [from, to): for each replica they cover, its sequences among them, in one draw. */
    @Override
    public void run(int from, int to) {
        for (int item = from; item < to; ) {
            int r = item / examples;
            int last = Math.min(to, (r + 1) * examples);
            RnnTask.draw(coefficients, r * doublesPerReplica, rules, dim, order, classification, seeds[r], streamId,
                    batch, item - r * examples, last - r * examples, length, ood, probabilities, inputs, rule, label,
                    r * examples * length);
            item = last;
        }
    }
}
