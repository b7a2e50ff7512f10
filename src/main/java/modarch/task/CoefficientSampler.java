package modarch.task;

import java.util.function.Function;
import modarch.backend.Backend;
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

    @Override
    public void close() {
        seeds.close();
        coefficients.close();
    }
}
