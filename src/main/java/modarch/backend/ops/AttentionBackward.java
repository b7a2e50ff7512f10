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
 * Backward of {@link AttentionForward} from gradOut (tokens), with the kept keys and weights it wrote: with
 * {@code g_j = dout_i . v_j} and {@code ds_j = w_j (g_j - sum_l w_l g_l)}, {@code dq_i = scale sum_j ds_j k_j},
 * {@code dk_j = scale sum_i ds_ij q_i} and {@code dv_j = sum_i w_ij dout_i} over the queries i that kept j (in
 * increasing i); keys no query kept get zeros. gradQ, gradK and gradV are tokens, overwritten; gradScore (per query,
 * as weight) is scratch (it receives ds). Reference: {@link ScalarAttention}; on the GPU: attention.cu's
 * attention_backward.
 */
public record AttentionBackward(AttentionShape shape, float scale, Mat q, Mat k, Mat v, IntMat kept, Mat weight,
                                Mat gradOut, Mat gradScore, Mat gradQ, Mat gradK, Mat gradV) implements Op {

    public AttentionBackward(int seqs, int length, int heads, int headDim, int topK, float scale, FloatBuf q,
                             FloatBuf k, FloatBuf v, IntBuf kept, FloatBuf weight, FloatBuf gradOut,
                             FloatBuf gradScore, FloatBuf gradQ, FloatBuf gradK, FloatBuf gradV) {
        this(new AttentionShape(seqs, length, heads, headDim, topK), scale, q, k, v, kept, weight, gradOut, gradScore,
                gradQ, gradK, gradV);
    }

    private AttentionBackward(AttentionShape s, float scale, FloatBuf q, FloatBuf k, FloatBuf v, IntBuf kept,
                              FloatBuf weight, FloatBuf gradOut, FloatBuf gradScore, FloatBuf gradQ, FloatBuf gradK,
                              FloatBuf gradV) {
        this(s, scale, s.tokens("q", q), s.tokens("k", k), s.tokens("v", v), s.perQuery("kept", kept),
                s.perQuery("weight", weight), s.tokens("gradOut", gradOut), s.perQuery("gradScore", gradScore),
                s.tokens("gradQ", gradQ), s.tokens("gradK", gradK), s.tokens("gradV", gradV));
    }

    @Override
    public void reference(Parallel pool) {
        ScalarAttention.backward(shape.seqs(), shape.length(), shape.heads(), shape.headDim(), shape.topK(), scale,
                Host.floats(q), Host.floats(k), Host.floats(v), Host.ints(kept), Host.floats(weight),
                Host.floats(gradOut), Host.floats(gradScore), Host.floats(gradQ), Host.floats(gradK),
                Host.floats(gradV));
    }

    @Override
    public void launch(Gpu gpu) {
        shape.launch(gpu, "attention_backward", shape.args(scale).ptr(gpu.at(q)).ptr(gpu.at(k)).ptr(gpu.at(v))
                .ptr(gpu.at(kept)).ptr(gpu.at(weight)).ptr(gpu.at(gradOut)).ptr(gpu.at(gradScore))
                .ptr(gpu.at(gradQ)).ptr(gpu.at(gradK)).ptr(gpu.at(gradV)));
    }
}
