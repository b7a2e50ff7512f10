package modarch.task;

import modarch.backend.FloatBuf;
import modarch.backend.IntBuf;
import modarch.backend.cuda.Gpu;
import modarch.backend.cuda.KernelArgs;
import modarch.backend.cuda.KernelGeometry;

/**
 * One batch of the MHA task family for rep replicas, the stream of {@link MhaTask#sample}: sequence e of replica r
 * from Philox key (seeds[r], streamId) and counters (e, batch index low, high, block); features times 2 when ood.
 * coefficients holds (rep, 2, rules) doubles, probabilities (rules) doubles or null for uniform rules. Writes inputs
 * (rep, examples * length, features) with features = 4 rules (search version 1) or 6 rules (version 2), rules
 * (rep, examples * length) and labels (rep, examples * length). On the GPU: mha_task.cu, one thread per sequence.
 */
public final class MhaTaskBatch extends CoefficientTaskBatch {
    private final int searchVersion;

    public MhaTaskBatch(int rep, int examples, int length, int rules, int searchVersion, boolean classification,
                        IntBuf seeds, int streamId, IntBuf batchIndex, boolean ood, IntBuf coefficients,
                        IntBuf probabilities, FloatBuf inputs, IntBuf ruleOut, FloatBuf labels) {
        super(rep, examples, checkLength(length), rules, classification, seeds, streamId, batchIndex, ood, coefficients,
                4 * rules, probabilities, inputs, MhaTask.features(rules, searchVersion), ruleOut, labels, 1);
        this.searchVersion = searchVersion;
    }

    private static int checkLength(int length) {
        if (length < 2) throw new IllegalArgumentException("an MHA sequence needs at least 2 tokens, not " + length);
        return length;
    }

    @Override
    void drawReplica(int r, int seed, long batch, int[] coefficientWords, int[] probabilityWords, float[] inputValues,
                     int[] ruleValues, float[] labelValues) {
        MhaTask.draw(coefficientWords, r * 2 * ruleCount, ruleCount, searchVersion, classification, seed,
                streamId, batch, examples, length, ood, probabilityWords, inputValues, ruleValues, labelValues,
                r * examples * length);
    }

    @Override
    public void launch(Gpu gpu) {
        long n = (long) rep * examples;
        if (n == 0) return;
        gpu.launch("mha_task_batch", Gpu.blocksFor(n, KernelGeometry.MHA_TASK_THREADS), 1, 1,
                KernelGeometry.MHA_TASK_THREADS, 0,
                tail(gpu, KernelArgs.of().i(rep).i(examples).i(length).i(ruleCount).i(searchVersion)
                        .flag(classification)));
    }
}
