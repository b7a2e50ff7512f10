package modarch.task;

import modarch.backend.Backend;
import modarch.backend.FloatBuf;
import modarch.backend.IntBuf;

/** The MHA family's {@link BatchSampler}: one {@link Backend#mhaTaskBatch} over every replica. */
final class MhaSampler extends CoefficientSampler {
    private final int rules;
    private final int searchVersion;
    private final boolean classification;

    MhaSampler(Backend backend, Task[] replicas, long[] seeds) {
        super(backend, replicas, seeds, task -> task.rules() + " rules, search version "
                + ((MhaTask) task).searchVersion() + ", classification " + task.classification());
        MhaTask first = (MhaTask) replicas[0];
        this.rules = first.rules();
        this.searchVersion = first.searchVersion();
        this.classification = first.classification();
    }

    @Override
    public void draw(DataStream stream, IntBuf batchIndex, int examples, int length, boolean ood, IntBuf probabilities,
                     FloatBuf inputs, IntBuf ruleOut, FloatBuf labels) {
        if (length < 2) throw new IllegalArgumentException("an MHA sequence needs at least 2 tokens, not " + length);
        backend.mhaTaskBatch(rep, examples, length, rules, searchVersion, classification, seeds, stream.id(), batchIndex,
                ood, coefficients, probabilities, inputs, ruleOut, labels);
    }
}
