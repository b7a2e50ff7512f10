package modarch.task;

import modarch.backend.FloatBuf;
import modarch.backend.IntBuf;
import modarch.backend.cuda.Gpu;
import modarch.backend.cuda.KernelArgs;

/**
 * One batch of the MLP task family for rep replicas, the stream of {@link MlpTask#sample}: example i of replica r
 * from Philox key (seeds[r], streamId) and counter (i, batch index low, high, 0), inputs scaled by 2 when ood.
 * coefficients holds (rep, 2, rules) doubles (each replica's coeff1 then coeff2), probabilities (rules) doubles or
 * null for uniform rules. Writes inputs (rep, examples, 2), rules (rep, examples) and labels (rep, examples).
 * On the GPU: mlp_task.cu, one thread per example.
 */
public final class MlpTaskBatch extends CoefficientTaskBatch {
    public MlpTaskBatch(int rep, int examples, int rules, boolean classification, IntBuf seeds, int streamId,
                        IntBuf batchIndex, boolean ood, IntBuf coefficients, IntBuf probabilities, FloatBuf inputs,
                        IntBuf ruleOut, FloatBuf labels) {
        super(rep, examples, 1, rules, classification, seeds, streamId, batchIndex, ood, coefficients, 4 * rules,
                probabilities, inputs, 2, ruleOut, labels, 1);
    }

    @Override
    void drawReplica(int r, int seed, long batch, int[] coefficientWords, int[] probabilityWords, float[] inputValues,
                     int[] ruleValues, float[] labelValues) {
        MlpTask.draw(coefficientWords, r * 2 * ruleCount, ruleCount, classification, seed, streamId, batch,
                examples, ood, probabilityWords, inputValues, ruleValues, labelValues, r * examples);
    }

    @Override
    public void launch(Gpu gpu) {
        gpu.launch1d("mlp_task_batch", (long) rep * examples,
                tail(gpu, KernelArgs.of().i(rep).i(examples).i(ruleCount).flag(classification)));
    }
}
