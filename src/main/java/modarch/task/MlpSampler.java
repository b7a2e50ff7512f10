package modarch.task;

import modarch.backend.Backend;
import modarch.backend.FloatBuf;
import modarch.backend.IntBuf;

/** The MLP family's {@link BatchSampler}: one {@link MlpTaskBatch} over every replica. */
final class MlpSampler extends CoefficientSampler {
    private final int rules;
    private final boolean classification;

    MlpSampler(Backend backend, Task[] replicas, long[] seeds) {
        super(backend, replicas, seeds, task -> task.rules() + " rules, classification " + task.classification());
        this.rules = replicas[0].rules();
        this.classification = replicas[0].classification();
    }

    @Override
    TaskBatch batch(int streamId, IntBuf batchIndex, int examples, int length, boolean ood, IntBuf probabilities,
                    FloatBuf inputs, IntBuf ruleOut, FloatBuf labels) {
        if (length != 1) throw new IllegalArgumentException("the MLP family has examples of length 1, not " + length);
        return new MlpTaskBatch(rep, examples, rules, classification, seeds, streamId, batchIndex, ood, coefficients,
                probabilities, inputs, ruleOut, labels);
    }
}
