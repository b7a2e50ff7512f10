package modarch.task;

import modarch.backend.Backend;
import modarch.backend.FloatBuf;
import modarch.backend.IntBuf;

/** The MLP family's {@link BatchSampler}: one {@link Backend#mlpTaskBatch} over every replica. */
final class MlpSampler implements BatchSampler {
    private final Backend backend;
    private final int rep;
    private final int rules;
    private final boolean classification;
    private final IntBuf seeds;        // seeds is (rep): each replica's Philox key word
    private final IntBuf coefficients; // coefficients is (rep, 2, R) doubles as DoubleBits words

    MlpSampler(Backend backend, Task[] replicas, long[] seeds) {
        this.backend = backend;
        this.rep = replicas.length;
        MlpTask first = (MlpTask) replicas[0];
        this.rules = first.rules();
        this.classification = first.classification();
        int[] keys = new int[rep];
        int[] words = new int[rep * 4 * rules];
        for (int r = 0; r < rep; r++) {
            MlpTask task = (MlpTask) replicas[r];
            if (task.rules() != rules || task.classification() != classification) {
                throw new IllegalArgumentException("replica " + r + " has " + task.rules() + " rules, classification "
                        + task.classification() + "; replica 0 has " + rules + ", " + classification);
            }
            keys[r] = (int) seeds[r];
            System.arraycopy(task.coefficientWords(), 0, words, r * 4 * rules, 4 * rules);
        }
        this.seeds = backend.allocInts(rep);
        this.coefficients = backend.allocInts(words.length);
        backend.upload(keys, 0, this.seeds, 0, rep);
        backend.upload(words, 0, coefficients, 0, words.length);
    }

    @Override
    public void draw(DataStream stream, IntBuf batchIndex, int examples, int length, boolean ood, IntBuf probabilities,
                     FloatBuf inputs, IntBuf ruleOut, FloatBuf labels) {
        if (length != 1) throw new IllegalArgumentException("the MLP family has examples of length 1, not " + length);
        backend.mlpTaskBatch(rep, examples, rules, classification, seeds, stream.id(), batchIndex, ood, coefficients,
                probabilities, inputs, ruleOut, labels);
    }

    @Override
    public void close() {
        seeds.close();
        coefficients.close();
    }
}
