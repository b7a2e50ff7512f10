package modarch.backend.cpu;

/**
 * Which keys a query keeps in sparse top-k attention: the keep highest scores of the keys other than the query
 * itself, in the total order of {@link #before} (higher score first, NaN above everything, ties to the lower
 * index), written in increasing key order. With keep = length - 1 every other key, without comparing. Selection
 * is O(length * keep) with an insertion list; the CUDA kernel ranks each key instead and keeps the same set.
 * One instance per thread: it holds the scratch.
 */
final class TopKSelection {
    private float[] scores = new float[0];  // scores is (length): one query's scores, filled by the caller
    private int[] bestKey = new int[0];     // bestKey is (keep): the best so far, best first
    private float[] bestScore = new float[0];

    /** A scratch row of at least length scores for the caller to fill. */
    float[] scores(int length) {
        if (scores.length < length) scores = new float[length];
        return scores;
    }

    /** True when key a (score sa) ranks before key b (score sb): a higher score, NaN highest, ties to the lower key. */
    static boolean before(float sa, int a, float sb, int b) {
        if (Float.isNaN(sa)) return !Float.isNaN(sb) || a < b;
        if (Float.isNaN(sb)) return false;
        return sa > sb || (sa == sb && a < b);
    }

    /** Writes the keep keys j != query with the best scores[j], j < length, into out[outOff..] in increasing order. */
    void select(float[] scoreOf, int length, int query, int keep, int[] out, int outOff) {
        if (keep == length - 1) {
            int l = outOff;
            for (int j = 0; j < length; j++) if (j != query) out[l++] = j;
            return;
        }
        if (bestKey.length < keep) {
            bestKey = new int[keep];
            bestScore = new float[keep];
        }
        int count = 0;
        for (int j = 0; j < length; j++) {
            if (j == query) continue;
            float s = scoreOf[j];
            if (count == keep && !before(s, j, bestScore[keep - 1], bestKey[keep - 1])) continue;
            int at = count == keep ? keep - 1 : count++;
            while (at > 0 && before(s, j, bestScore[at - 1], bestKey[at - 1])) {
                bestScore[at] = bestScore[at - 1];
                bestKey[at] = bestKey[at - 1];
                at--;
            }
            bestScore[at] = s;
            bestKey[at] = j;
        }
        // increasing key order: insertion sort of keep small ints
        for (int l = 0; l < keep; l++) {
            int key = bestKey[l];
            int at = outOff + l;
            while (at > outOff && out[at - 1] > key) {
                out[at] = out[at - 1];
                at--;
            }
            out[at] = key;
        }
    }
}
