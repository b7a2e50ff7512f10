package modarch.task;

import modarch.backend.Backend;
import modarch.backend.FloatBuf;
import modarch.backend.IntBuf;

/** The RNN family's {@link BatchSampler}: one {@link RnnTaskBatch} over every replica. */
final class RnnSampler extends CoefficientSampler {
    private final int rules;
    private final int dim;
    private final int order;
    private final boolean classification;

    RnnSampler(Backend backend, Task[] replicas, long[] seeds) {
        super(backend, replicas, seeds, task -> task.rules() + " rules, dim " + ((RnnTask) task).dim() + ", order "
                + ((RnnTask) task).order() + ", classification " + task.classification(),
                task -> ((RnnTask) task).coefficientWords());
        RnnTask first = (RnnTask) replicas[0];
        this.rules = first.rules();
        this.dim = first.dim();
        this.order = first.order();
        this.classification = first.classification();
    }

    @Override
    TaskBatch batch(int streamId, IntBuf batchIndex, int examples, int length, boolean ood, IntBuf probabilities,
                    FloatBuf inputs, IntBuf ruleOut, FloatBuf labels) {
        return new RnnTaskBatch(rep, examples, length, rules, dim, order, classification, seeds, streamId, batchIndex,
                ood, coefficients, probabilities, inputs, ruleOut, labels);
    }
}
