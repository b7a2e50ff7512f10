package modarch.backend.cpu;

import modarch.backend.ops.AttentionShape;

/**
 * The scalar reference of {@link modarch.backend.ops.AttentionForward} and {@link modarch.backend.ops.AttentionBackward}: plain loops,
 * float sums in index order. Per query it scores the length - 1 other keys, selects K of them ({@link TopKSelection}),
 * then works over those K only. Allocates nothing once its scratch has grown to a shape.
 */
public final class ScalarAttention {
    private static final ThreadLocal<TopKSelection> SELECTIONS = ThreadLocal.withInitial(TopKSelection::new);

    private ScalarAttention() {
    }

    /** See {@link modarch.backend.ops.AttentionForward}; q, k, v, out are (seqs, length, heads * headDim). */
    public static void forward(int seqs, int length, int heads, int headDim, int topK, float scale,
                        float[] q, float[] k, float[] v, float[] out, int[] kept, float[] weight) {
        int keep = AttentionShape.keptKeys(topK, length);
        int width = heads * headDim;
        TopKSelection selection = SELECTIONS.get();
        float[] scores = selection.scores(length);
        for (int s = 0; s < seqs; s++) {
            for (int h = 0; h < heads; h++) {
                int column = s * length * width + h * headDim; // token 0 of head h in sequence s
                for (int i = 0; i < length; i++) {
                    int qRow = column + i * width;
                    for (int j = 0; j < length; j++) {
                        if (j == i) continue;
                        float dot = 0f;
                        int kRow = column + j * width;
                        for (int d = 0; d < headDim; d++) dot += q[qRow + d] * k[kRow + d];
                        scores[j] = scale * dot;
                    }
                    int base = ((s * heads + h) * length + i) * keep;
                    selection.select(scores, 0, length, i, keep, kept, base);
                    softmaxKept(scores, 0, kept, base, keep, weight);
                    for (int d = 0; d < headDim; d++) {
                        float sum = 0f;
                        for (int l = 0; l < keep; l++) sum += weight[base + l] * v[column + kept[base + l] * width + d];
                        out[qRow + d] = sum;
                    }
                }
            }
        }
    }

    /** weight[base + l] = softmax over l < keep of scores[scoreOff + kept[base + l]], max-subtracted. */
    static void softmaxKept(float[] scores, int scoreOff, int[] kept, int base, int keep, float[] weight) {
        float max = Float.NEGATIVE_INFINITY;
        for (int l = 0; l < keep; l++) max = Math.max(max, scores[scoreOff + kept[base + l]]);
        float sum = 0f;
        for (int l = 0; l < keep; l++) {
            float e = (float) Math.exp(scores[scoreOff + kept[base + l]] - max);
            weight[base + l] = e;
            sum += e;
        }
        for (int l = 0; l < keep; l++) weight[base + l] /= sum;
    }

    /** See {@link modarch.backend.ops.AttentionBackward}. */
    public static void backward(int seqs, int length, int heads, int headDim, int topK, float scale,
                         float[] q, float[] k, float[] v, int[] kept, float[] weight, float[] gradOut,
                         float[] gradScore, float[] gradQ, float[] gradK, float[] gradV) {
        int keep = AttentionShape.keptKeys(topK, length);
        int width = heads * headDim;
        for (int s = 0; s < seqs; s++) {
            for (int h = 0; h < heads; h++) {
                int column = s * length * width + h * headDim;
                for (int i = 0; i < length; i++) {
                    int row = column + i * width;
                    int base = ((s * heads + h) * length + i) * keep;
                    float weighted = 0f; // sum_l w_l g_l
                    for (int l = 0; l < keep; l++) {
                        float g = 0f;
                        int vRow = column + kept[base + l] * width;
                        for (int d = 0; d < headDim; d++) g += gradOut[row + d] * v[vRow + d];
                        gradScore[base + l] = g;
                        weighted += weight[base + l] * g;
                    }
                    for (int l = 0; l < keep; l++) {
                        gradScore[base + l] = weight[base + l] * (gradScore[base + l] - weighted);
                    }
                    for (int d = 0; d < headDim; d++) {
                        float sum = 0f;
                        for (int l = 0; l < keep; l++) sum += gradScore[base + l] * k[column + kept[base + l] * width + d];
                        gradQ[row + d] = scale * sum;
                    }
                }
                for (int j = 0; j < length; j++) {
                    int row = column + j * width;
                    for (int d = 0; d < headDim; d++) {
                        gradK[row + d] = 0f;
                        gradV[row + d] = 0f;
                    }
                }
                for (int i = 0; i < length; i++) {
                    int row = column + i * width;
                    int base = ((s * heads + h) * length + i) * keep;
                    for (int l = 0; l < keep; l++) {
                        int keyRow = column + kept[base + l] * width;
                        float ds = scale * gradScore[base + l];
                        float w = weight[base + l];
                        for (int d = 0; d < headDim; d++) {
                            gradK[keyRow + d] += ds * q[row + d];
                            gradV[keyRow + d] += w * gradOut[row + d];
                        }
                    }
                }
            }
        }
    }
}
