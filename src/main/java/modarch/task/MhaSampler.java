package modarch.task;

import modarch.backend.Backend;
import modarch.backend.FloatBuf;
import modarch.backend.IntBuf;

/** The MHA family's {@link BatchSampler}: one {@link MhaTaskBatch} over every replica. */
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
    TaskBatch batch(int streamId, IntBuf batchIndex, int examples, int length, boolean ood, IntBuf probabilities,
                    FloatBuf inputs, IntBuf ruleOut, FloatBuf labels) {
        return new MhaTaskBatch(rep, examples, length, rules, searchVersion, classification, seeds, streamId,
                batchIndex, ood, coefficients, probabilities, inputs, ruleOut, labels);
    }
}
