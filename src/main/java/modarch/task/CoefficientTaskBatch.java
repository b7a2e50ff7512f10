package modarch.task;

import modarch.backend.FloatBuf;
import modarch.backend.IntBuf;
import modarch.backend.cpu.Host;
import modarch.backend.cpu.Parallel;

/**
 * The batch op of a family whose replicas draw one after another on the CPU from their own coefficients (MLP, MHA):
 * the reference runs {@link #drawReplica} for each replica in turn.
 */
abstract class CoefficientTaskBatch extends TaskBatch {
    CoefficientTaskBatch(int rep, int examples, int length, int ruleCount, boolean classification, IntBuf seeds,
                         int streamId, IntBuf batchIndex, boolean ood, IntBuf coefficients, int wordsPerReplica,
                         IntBuf probabilities, FloatBuf inputs, int inputWidth, IntBuf rules, FloatBuf labels,
                         int labelWidth) {
        super(rep, examples, length, ruleCount, classification, seeds, streamId, batchIndex, ood, coefficients,
                wordsPerReplica, probabilities, inputs, inputWidth, rules, labels, labelWidth);
    }

    @Override
    public final void reference(Parallel pool) {
        int[] seedWords = Host.ints(seeds), coefficientWords = Host.ints(coefficients);
        int[] probabilityWords = Host.ints(probabilities), ruleValues = Host.ints(rules);
        float[] inputValues = Host.floats(inputs), labelValues = Host.floats(labels);
        long batch = batchNumber();
        for (int r = 0; r < rep; r++) {
            drawReplica(r, seedWords[r], batch, coefficientWords, probabilityWords, inputValues, ruleValues,
                    labelValues);
        }
    }

    /** Replica r's examples of batch, from its seed and its coefficients' words, into the host arrays. */
    abstract void drawReplica(int r, int seed, long batch, int[] coefficientWords, int[] probabilityWords,
                              float[] inputValues, int[] ruleValues, float[] labelValues);
}
