package modarch.backend.ops;

import modarch.backend.FloatBuf;
import modarch.backend.IntBuf;
import modarch.backend.IntMat;
import modarch.backend.Mat;
import modarch.backend.cuda.Gpu;
import modarch.backend.cuda.KernelArgs;
import modarch.backend.cuda.KernelGeometry;

/**
 * The shape the attention ops share: seqs sequences of length tokens, heads heads of headDim, the topK best keys kept
 * per query. Tokens (q, k, v, out and their gradients) are (seqs, length, heads * headDim), head h at columns
 * h * headDim; per-query rows (kept, weight, gradScore) are (seqs, heads, length, K), K = {@link #keptKeys}.
 */
public record AttentionShape(int seqs, int length, int heads, int headDim, int topK) {
    public AttentionShape {
        if (seqs < 0 || heads < 0 || headDim < 0 || length < 1 || topK < 1) {
            throw new IllegalArgumentException("attention of " + seqs + " sequences of length " + length + ", "
                    + heads + " heads of " + headDim + ", top " + topK);
        }
    }

    /** The number of keys attention keeps per query: min(topK, length - 1). */
    public static int keptKeys(int topK, int length) {
        return Math.min(topK, length - 1);
    }

    public int keep() {
        return keptKeys(topK, length);
    }

    Mat tokens(String name, FloatBuf buf) {
        return Mat.of(name, buf, 0, seqs * length, heads * headDim);
    }

    Mat perQuery(String name, FloatBuf buf) {
        return Mat.of(name, buf, 0, seqs * heads * length, keep());
    }

    IntMat perQuery(String name, IntBuf buf) {
        return IntMat.of(name, buf, 0, seqs * heads * length, keep());
    }

    /** Both kernels' first arguments. */
    KernelArgs args(float scale) {
        return KernelArgs.of().i(seqs).i(length).i(heads).i(headDim).i(keep()).f(scale);
    }

    /**
     * One block per (sequence, head), warps over queries (and keys, in the backward), ATTN_WARPS at most; nothing
     * when nothing is written. attention.cu holds a query's scores in shared memory: length <= ATTN_MAX_LENGTH.
     */
    void launch(Gpu gpu, String kernel, KernelArgs args) {
        if (length > KernelGeometry.ATTN_MAX_LENGTH) {
            throw new IllegalArgumentException("attention on the GPU takes sequences of at most "
                    + KernelGeometry.ATTN_MAX_LENGTH + " tokens, not " + length);
        }
        long elements = (long) seqs * length * heads * headDim + (long) seqs * heads * length * keep();
        if (elements == 0) return;
        int threads = 32 * Math.min(KernelGeometry.ATTN_WARPS, length);
        gpu.launch(kernel, (int) Math.min((long) seqs * heads, Gpu.MAX_BLOCKS), 1, 1, threads, 0, args);
    }
}
