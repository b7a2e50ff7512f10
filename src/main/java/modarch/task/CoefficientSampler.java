package modarch.task;

import java.util.function.Function;
import modarch.backend.Backend;
import modarch.backend.FloatBuf;
import modarch.backend.IntBuf;

/**
 * What the MLP, MHA and RNN samplers hold on the backend: each replica's Philox key word and coefficients, uploaded
 * once. Every replica must have replica 0's shape (rules, task, and what else the family's draw depends on).
 */
abstract class CoefficientSampler implements BatchSampler {
    protected final Backend backend;
    protected final int rep;
    protected final IntBuf seeds;        // seeds is (rep): each replica's Philox key word
    protected final IntBuf coefficients; // coefficients is (rep, words per replica): doubles as DoubleBits words
    private TaskBatch op;                // the last draw's op, run again while its target stays the same

    /** shape describes what a replica's draw depends on besides its seed and coefficients, e.g. "3 rules, regression". */
    CoefficientSampler(Backend backend, Task[] replicas, long[] seeds, Function<CoefficientTask, String> shape) {
        this(backend, replicas, seeds, task -> shape.apply((CoefficientTask) task),
                task -> ((CoefficientTask) task).words());
    }

    /** As above, for a family whose tasks are no CoefficientTask: coefficientWords gives a replica's words. */
    CoefficientSampler(Backend backend, Task[] replicas, long[] seeds, Function<Task, String> shape,
                       Function<Task, int[]> coefficientWords) {
        this.backend = backend;
        this.rep = replicas.length;
        Task first = replicas[0];
        int wordsPerReplica = coefficientWords.apply(first).length;
        int[] keys = new int[rep];
        int[] words = new int[rep * wordsPerReplica];
        for (int r = 0; r < rep; r++) {
            Task task = replicas[r];
            if (!shape.apply(task).equals(shape.apply(first))) {
                throw new IllegalArgumentException("replica " + r + " has " + shape.apply(task) + "; replica 0 has "
                        + shape.apply(first));
            }
            keys[r] = (int) seeds[r];
            System.arraycopy(coefficientWords.apply(task), 0, words, r * wordsPerReplica, wordsPerReplica);
        }
        this.seeds = backend.allocInts(rep);
        this.coefficients = backend.allocInts(words.length);
        backend.upload(keys, 0, this.seeds, 0, rep);
        backend.upload(words, 0, coefficients, 0, words.length);
    }

    /** Runs the family's batch op, built when the draw's target differs from the last one's. */
    @Override
    public final void draw(DataStream stream, IntBuf batchIndex, int examples, int length, boolean ood,
                           IntBuf probabilities, FloatBuf inputs, IntBuf rules, FloatBuf labels) {
        if (op == null || !op.draws(stream.id(), batchIndex, examples, length, ood, probabilities, inputs, rules,
                labels)) {
            op = null;
            op = batch(stream.id(), batchIndex, examples, length, ood, probabilities, inputs, rules, labels);
        }
        backend.run(op);
    }

    /** The family's batch op for one draw target (see {@link BatchSampler#draw}). */
    abstract TaskBatch batch(int streamId, IntBuf batchIndex, int examples, int length, boolean ood,
                             IntBuf probabilities, FloatBuf inputs, IntBuf rules, FloatBuf labels);

    @Override
    public void close() {
        seeds.close();
        coefficients.close();
    }
}
