package modarch.task;

import modarch.backend.Backend;
import modarch.backend.FloatBuf;
import modarch.backend.IntBuf;

/** The MHA family's {@link BatchSampler}: one {@link Backend#mhaTaskBatch} over every replica. */
final class MhaSampler implements BatchSampler {
    private final Backend backend;
    private final int rep;
    private final int rules;
    private final int searchVersion;
    private final boolean classification;
    private final IntBuf seeds;        // seeds is (rep): each replica's Philox key word
    private final IntBuf coefficients; // coefficients is (rep, 2, R) doubles as DoubleBits words

    MhaSampler(Backend backend, Task[] replicas, long[] seeds) {
        this.backend = backend;
        this.rep = replicas.length;
        MhaTask first = (MhaTask) replicas[0];
        this.rules = first.rules();
        this.searchVersion = first.searchVersion();
        this.classification = first.classification();
        int[] keys = new int[rep];
        int[] words = new int[rep * 4 * rules];
        for (int r = 0; r < rep; r++) {
            MhaTask task = (MhaTask) replicas[r];
            if (task.rules() != rules || task.searchVersion() != searchVersion || task.classification() != classification) {
                throw new IllegalArgumentException("replica " + r + " has " + task.rules() + " rules, search version "
                        + task.searchVersion() + ", classification " + task.classification() + "; replica 0 has "
                        + rules + ", " + searchVersion + ", " + classification);
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
        if (length < 2) throw new IllegalArgumentException("an MHA sequence needs at least 2 tokens, not " + length);
        backend.mhaTaskBatch(rep, examples, length, rules, searchVersion, classification, seeds, stream.id(), batchIndex,
                ood, coefficients, probabilities, inputs, ruleOut, labels);
    }

    @Override
    public void close() {
        seeds.close();
        coefficients.close();
    }
}
