package modarch.backend.ops;

import modarch.backend.FloatBuf;
import modarch.backend.IntBuf;
import modarch.backend.IntMat;
import modarch.backend.Mat;
import modarch.backend.Op;
import modarch.backend.cpu.Host;
import modarch.backend.cpu.Parallel;
import modarch.backend.cpu.ScalarAttention;
import modarch.backend.cuda.Gpu;

/**
 * Self-attention over seqs sequences of length tokens with the diagonal masked and sparse top-k selection, fused,
 * forward. For each sequence, head h and query i: {@code s_j = scale * (q_i . k_j)} for keys j != i; the
 * K = min(topK, length - 1) highest are kept (ties to the lower j; topK >= length - 1 keeps every key, the
 * reference's dense attention); {@code w = softmax} of the kept scores (max-subtracted); {@code out_i = sum_j w_j v_j}
 * over the kept j in increasing order. q, k, v and out are tokens ({@link AttentionShape}). Writes kept: the kept
 * keys in increasing order, and weight: their softmax weights, for the backward. Reference: {@link ScalarAttention};
 * the vector backend's kernel gives its bits. On the GPU: attention.cu's attention_forward.
 */
public record AttentionForward(AttentionShape shape, float scale, Mat q, Mat k, Mat v, Mat out, IntMat kept,
                               Mat weight) implements Op {

    public AttentionForward(int seqs, int length, int heads, int headDim, int topK, float scale, FloatBuf q,
                            FloatBuf k, FloatBuf v, FloatBuf out, IntBuf kept, FloatBuf weight) {
        this(new AttentionShape(seqs, length, heads, headDim, topK), scale, q, k, v, out, kept, weight);
    }

    private AttentionForward(AttentionShape s, float scale, FloatBuf q, FloatBuf k, FloatBuf v, FloatBuf out,
                             IntBuf kept, FloatBuf weight) {
        this(s, scale, s.tokens("q", q), s.tokens("k", k), s.tokens("v", v), s.tokens("out", out),
                s.perQuery("kept", kept), s.perQuery("weight", weight));
    }

    @Override
    public void reference(Parallel pool) {
        ScalarAttention.forward(shape.seqs(), shape.length(), shape.heads(), shape.headDim(), shape.topK(), scale,
                Host.floats(q), Host.floats(k), Host.floats(v), Host.floats(out), Host.ints(kept), Host.floats(weight));
    }

    @Override
    public void launch(Gpu gpu) {
        shape.launch(gpu, "attention_forward", shape.args(scale).ptr(gpu.at(q)).ptr(gpu.at(k)).ptr(gpu.at(v))
                .ptr(gpu.at(out)).ptr(gpu.at(kept)).ptr(gpu.at(weight)));
    }
}
