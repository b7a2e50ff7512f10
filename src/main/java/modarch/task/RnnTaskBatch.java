package modarch.task;

import modarch.backend.FloatBuf;
import modarch.backend.IntBuf;
import modarch.backend.cpu.Host;
import modarch.backend.cpu.Parallel;
import modarch.backend.cuda.Gpu;
import modarch.backend.cuda.KernelArgs;

/**
 * One batch of the RNN task family (switching linear dynamics) for rep replicas, the stream of
 * {@link RnnTask#sample}: sequence e of replica r from Philox key (seeds[r], streamId) and counters (e, batch index
 * low, high, block); features times 2 when ood. coefficients holds (rep, R * order * dim * dim + R * dim * dim + dim)
 * doubles (each replica's transition A, input B and decoder w, {@link RnnTask#wordsPerReplica} words), probabilities
 * (rules) doubles or null for uniform rules. dim in 1..{@value RnnTask#MAX_DIM}, order in
 * 1..{@value RnnTask#MAX_ORDER}, length >= 1. Writes inputs (rep, examples * length, dim), rules
 * (rep, examples * length) and labels (rep, examples * length, dim) for regression (the states),
 * (rep, examples * length) for classification. On the CPU, {@link RnnDraws} (sequences across the pool, the same
 * bits); on the GPU, rnn_task.cu.
 */
public final class RnnTaskBatch extends TaskBatch {
    private final int dim;
    private final int order;

    public RnnTaskBatch(int rep, int examples, int length, int rules, int dim, int order, boolean classification,
                        IntBuf seeds, int streamId, IntBuf batchIndex, boolean ood, IntBuf coefficients,
                        IntBuf probabilities, FloatBuf inputs, IntBuf ruleOut, FloatBuf labels) {
        super(rep, examples, checkShape(length, dim, order), rules, classification, seeds, streamId, batchIndex, ood,
                coefficients, RnnTask.wordsPerReplica(rules, dim, order), probabilities, inputs, dim, ruleOut, labels,
                classification ? 1 : dim);
        this.dim = dim;
        this.order = order;
    }

    /** length, after checking the shape fits rnn_task.cu's shared memory. */
    private static int checkShape(int length, int dim, int order) {
        if (dim < 1 || dim > RnnTask.MAX_DIM || order < 1 || order > RnnTask.MAX_ORDER) {
            throw new IllegalArgumentException("an RNN task of dim " + dim + ", order " + order + ": allowed are dim 1.."
                    + RnnTask.MAX_DIM + ", order 1.." + RnnTask.MAX_ORDER);
        }
        if (length < 1 || (long) length * (dim + 2) > Integer.MAX_VALUE) {
            throw new IllegalArgumentException("sequence length " + length + " out of range 1.."
                    + Integer.MAX_VALUE / (dim + 2));
        }
        return length;
    }

    @Override
    public void reference(Parallel pool) {
        RnnDraws.draw(pool, rep, examples, length, ruleCount, dim, order, classification, Host.ints(seeds), streamId,
                batchNumber(), ood, Host.ints(coefficients), Host.ints(probabilities), Host.floats(inputs),
                Host.ints(rules), Host.floats(labels));
    }

    /**
     * One block per sequence (block-striding past MAX_BLOCKS), one thread per state element, the dim rounded up to
     * a warp; rnn_task.cu keeps x_t and the last order + 1 states in (order + 2) dim doubles of shared memory.
     */
    @Override
    public void launch(Gpu gpu) {
        long n = (long) rep * examples;
        if (n == 0) return;
        int threads = (dim + 31) / 32 * 32, shared = (order + 2) * dim * Double.BYTES;
        gpu.launch("rnn_task_batch", Gpu.blocksFor(n, 1), 1, 1, threads, shared, tail(gpu,
                KernelArgs.of().i(rep).i(examples).i(length).i(ruleCount).i(dim).i(order).flag(classification)));
    }
}
