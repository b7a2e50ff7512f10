package modarch.backend;

import java.util.Arrays;
import java.util.Comparator;

/**
 * Sparse top-k attention written out again in double, independently of the backends, as {@link Backend#attentionForward}
 * and {@link Backend#attentionBackward} describe it. Two formulations: {@link #topK} per query (sort the other keys by
 * score, descending, ties to the lower index, keep K, softmax, weighted sum) and {@link #dense} over the whole
 * (length, length) score matrix with the diagonal at -inf (what top-k must equal when K >= length - 1). Tensors as in
 * the backend: q, k, v, dOut, dQ, dK, dV are (seqs, length, heads * headDim); kept, weight, dScore are
 * (seqs, heads, length, K).
 */
final class NaiveAttention {
    final int seqs, length, heads, headDim, keep;
    final double scale;
    final double[] out, weight, dScore, dQ, dK, dV;
    final int[] kept;
    /** scores (seqs, heads, length, length): scale * q_i . k_j, the diagonal at -inf. */
    final double[] scores;

    private NaiveAttention(int seqs, int length, int heads, int headDim, int keep, double scale) {
        this.seqs = seqs;
        this.length = length;
        this.heads = heads;
        this.headDim = headDim;
        this.keep = keep;
        this.scale = scale;
        int tokens = seqs * length * heads * headDim, slots = seqs * heads * length * keep;
        out = new double[tokens];
        dQ = new double[tokens];
        dK = new double[tokens];
        dV = new double[tokens];
        weight = new double[slots];
        dScore = new double[slots];
        kept = new int[slots];
        scores = new double[seqs * heads * length * length];
    }

    /** Element d of token t of head h in sequence s. */
    private int at(int s, int t, int h, int d) {
        return ((s * length + t) * heads + h) * headDim + d;
    }

    /** Slot l of query i of head h in sequence s in kept, weight and dScore. */
    private int slot(int s, int h, int i, int l) {
        return ((s * heads + h) * length + i) * keep + l;
    }

    private double dot(float[] x, int s, int i, int h, float[] y, int j) {
        double sum = 0;
        for (int d = 0; d < headDim; d++) sum += (double) x[at(s, i, h, d)] * y[at(s, j, h, d)];
        return sum;
    }

    private void fillScores(float[] q, float[] k) {
        for (int s = 0; s < seqs; s++) {
            for (int h = 0; h < heads; h++) {
                for (int i = 0; i < length; i++) {
                    for (int j = 0; j < length; j++) {
                        scores[score(s, h, i, j)] = j == i ? Double.NEGATIVE_INFINITY : scale * dot(q, s, i, h, k, j);
                    }
                }
            }
        }
    }

    int score(int s, int h, int i, int j) {
        return ((s * heads + h) * length + i) * length + j;
    }

    /** Top-k attention, forward and backward (from dOut), keep = min(topK, length - 1) keys per query. */
    static NaiveAttention topK(int seqs, int length, int heads, int headDim, int topK, double scale,
                               float[] q, float[] k, float[] v, float[] dOut) {
        NaiveAttention a = new NaiveAttention(seqs, length, heads, headDim, Math.min(topK, length - 1), scale);
        a.fillScores(q, k);
        int keep = a.keep;
        for (int s = 0; s < seqs; s++) {
            for (int h = 0; h < heads; h++) {
                for (int i = 0; i < length; i++) {
                    int[] order = a.ranking(s, h, i);
                    int[] chosen = Arrays.copyOf(order, keep);
                    Arrays.sort(chosen);
                    double[] e = new double[keep];
                    double max = Double.NEGATIVE_INFINITY, sum = 0;
                    for (int l = 0; l < keep; l++) max = Math.max(max, a.scores[a.score(s, h, i, chosen[l])]);
                    for (int l = 0; l < keep; l++) sum += e[l] = Math.exp(a.scores[a.score(s, h, i, chosen[l])] - max);
                    double[] g = new double[keep];
                    double wg = 0;
                    for (int l = 0; l < keep; l++) {
                        int j = chosen[l];
                        double w = e[l] / sum;
                        a.kept[a.slot(s, h, i, l)] = j;
                        a.weight[a.slot(s, h, i, l)] = w;
                        for (int d = 0; d < headDim; d++) a.out[a.at(s, i, h, d)] += w * v[a.at(s, j, h, d)];
                        g[l] = a.dot(dOut, s, i, h, v, j);
                        wg += w * g[l];
                    }
                    for (int l = 0; l < keep; l++) {
                        int j = chosen[l];
                        double w = a.weight[a.slot(s, h, i, l)], ds = w * (g[l] - wg);
                        a.dScore[a.slot(s, h, i, l)] = ds;
                        for (int d = 0; d < headDim; d++) {
                            a.dQ[a.at(s, i, h, d)] += scale * ds * k[a.at(s, j, h, d)];
                            a.dK[a.at(s, j, h, d)] += scale * ds * q[a.at(s, i, h, d)];
                            a.dV[a.at(s, j, h, d)] += w * dOut[a.at(s, i, h, d)];
                        }
                    }
                }
            }
        }
        return a;
    }

    /** The keys j != i of query i by score, best first: descending, ties to the lower index. */
    int[] ranking(int s, int h, int i) {
        Integer[] keys = new Integer[length - 1];
        for (int j = 0, n = 0; j < length; j++) if (j != i) keys[n++] = j;
        Arrays.sort(keys, Comparator.<Integer>comparingDouble(j -> -scores[score(s, h, i, j)])
                .thenComparingInt(j -> j));
        return Arrays.stream(keys).mapToInt(Integer::intValue).toArray();
    }

    /**
     * The smallest gap, over all queries, between the scores ranked r-th and (r+1)-th (1-based) for every r in
     * ranks; ranks past length - 1 are ignored. A selection computed in float keeps the same keys as this one when
     * the gap is well above float rounding.
     */
    double minGap(int... ranks) {
        double gap = Double.POSITIVE_INFINITY;
        for (int s = 0; s < seqs; s++) {
            for (int h = 0; h < heads; h++) {
                for (int i = 0; i < length; i++) {
                    int[] order = ranking(s, h, i);
                    for (int r : ranks) {
                        if (r < 1 || r >= order.length) continue;
                        gap = Math.min(gap, scores[score(s, h, i, order[r - 1])] - scores[score(s, h, i, order[r])]);
                    }
                }
            }
        }
        return gap;
    }

    /** Every rank 1 .. length - 2: the gaps that matter to some K. */
    double minGapAllRanks() {
        int[] ranks = new int[Math.max(0, length - 2)];
        for (int r = 0; r < ranks.length; r++) ranks[r] = r + 1;
        return minGap(ranks);
    }

    /**
     * Dense attention over the whole score matrix: P = softmax of each row of S (diagonal -inf), out = P V; backward
     * dP = dOut V^T, dS = P * (dP - rowsum(P * dP)), dQ = scale dS K, dK = scale dS^T Q, dV = P^T dOut. kept lists
     * every j != i in increasing order, weight and dScore their entries of P and dS.
     */
    static NaiveAttention dense(int seqs, int length, int heads, int headDim, double scale,
                                float[] q, float[] k, float[] v, float[] dOut) {
        NaiveAttention a = new NaiveAttention(seqs, length, heads, headDim, length - 1, scale);
        a.fillScores(q, k);
        int n = length;
        for (int s = 0; s < seqs; s++) {
            for (int h = 0; h < heads; h++) {
                double[][] p = new double[n][n], dp = new double[n][n], ds = new double[n][n];
                for (int i = 0; i < n && n > 1; i++) { // a lone token attends to nothing: out 0
                    double max = Double.NEGATIVE_INFINITY, sum = 0;
                    for (int j = 0; j < n; j++) max = Math.max(max, a.scores[a.score(s, h, i, j)]);
                    for (int j = 0; j < n; j++) sum += p[i][j] = Math.exp(a.scores[a.score(s, h, i, j)] - max);
                    for (int j = 0; j < n; j++) p[i][j] /= sum;
                    for (int j = 0; j < n; j++) dp[i][j] = a.dot(dOut, s, i, h, v, j);
                    double rowSum = 0;
                    for (int j = 0; j < n; j++) rowSum += p[i][j] * dp[i][j];
                    for (int j = 0; j < n; j++) ds[i][j] = p[i][j] * (dp[i][j] - rowSum);
                }
                for (int i = 0; i < n; i++) {
                    for (int j = 0; j < n; j++) {
                        for (int d = 0; d < headDim; d++) {
                            a.out[a.at(s, i, h, d)] += p[i][j] * v[a.at(s, j, h, d)];
                            a.dQ[a.at(s, i, h, d)] += scale * ds[i][j] * k[a.at(s, j, h, d)];
                            a.dK[a.at(s, j, h, d)] += scale * ds[i][j] * q[a.at(s, i, h, d)];
                            a.dV[a.at(s, j, h, d)] += p[i][j] * dOut[a.at(s, i, h, d)];
                        }
                    }
                    for (int j = 0, l = 0; j < n; j++) {
                        if (j == i) continue;
                        a.kept[a.slot(s, h, i, l)] = j;
                        a.weight[a.slot(s, h, i, l)] = p[i][j];
                        a.dScore[a.slot(s, h, i, l)] = ds[i][j];
                        l++;
                    }
                }
            }
        }
        return a;
    }
}
