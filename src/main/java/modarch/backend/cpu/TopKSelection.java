package modarch.backend.cpu;

/**
 * Which keys a query keeps in sparse top-k attention: the keep highest scores of the keys other than the query
 * itself, in the total order of {@link #rank} (higher score first, NaN above everything, ties to the lower index),
 * written in increasing key order. With keep = length - 1 every other key, without comparing. Otherwise
 * O(length * keep): a key below the worst kept so far is passed over with one float comparison; one that may enter
 * is ranked (one long) and inserted into the list of the keep best without branches. Measured on the vector
 * backend's forward (length 100, 256 x 8 (sequence, head) items, keep 2): 155 ms with an insertion that branches
 * (its branches mispredict on most entries), 102 ms without (keep 1: 80 ms). The CUDA
 * kernel ranks each key instead and keeps the same set. One instance per thread: it holds the scratch.
 */
public final class TopKSelection {
    private float[] scores = new float[0];  // scores is (length): one query's scores, filled by the caller
    private long[] best = new long[0];      // best is (keep): the ranks of the best so far, best first

    /** A scratch row of at least length scores for the caller to fill. */
    float[] scores(int length) {
        if (scores.length < length) scores = new float[length];
        return scores;
    }

    /**
     * Key j with score s as one number, larger for a key that ranks before another: the score's order in the high
     * word (-0 equal to +0, every NaN above +inf), then the lower key in the low word.
     */
    static long rank(float s, int j) {
        int bits = Float.floatToRawIntBits(s + 0f); // -0 + 0 = +0
        int order = s != s ? Integer.MAX_VALUE : bits ^ ((bits >> 31) & 0x7FFFFFFF);
        return ((long) order << 32) | (Integer.MAX_VALUE - j);
    }

    /** The score of a {@link #rank}: NaN for a NaN, +0 for either zero, and NaN for Long.MIN_VALUE (no key). */
    private static float score(long rank) {
        int order = (int) (rank >> 32);
        return Float.intBitsToFloat(order ^ ((order >> 31) & 0x7FFFFFFF));
    }

    /** The key of a {@link #rank}. */
    private static int key(long rank) {
        return Integer.MAX_VALUE - (int) rank;
    }

    /**
     * Writes the keep keys j != query with the best scores, key j's at scoreOf[scoreOff + j] (j < length), into
     * out[outOff..] in increasing order; query -1 excludes no key.
     */
    public void select(float[] scoreOf, int scoreOff, int length, int query, int keep, int[] out, int outOff) {
        if (keep == (query < 0 ? length : length - 1)) {
            int l = outOff;
            for (int j = 0; j < length; j++) if (j != query) out[l++] = j;
            return;
        }
        if (best.length < keep) best = new long[keep];
        long[] best = this.best;
        java.util.Arrays.fill(best, 0, keep, Long.MIN_VALUE); // below every rank
        float worst = Float.NaN; // the score of best[keep - 1], NaN while there are fewer than keep
        for (int j = 0; j < length; j++) {
            float s = scoreOf[scoreOff + j];
            // below the worst kept: out, with a float comparison (false for NaN either side, -0 against +0)
            if (s < worst || j == query) continue;
            long r = rank(s, j);
            if (r < best[keep - 1]) continue; // ranks are distinct: r is not the worst's
            // insert r, dropping the worst, without branches: best[a] becomes best[a - 1] when r ranks before it,
            // else the better of best[a] and r
            for (int a = keep - 1; a > 0; a--) {
                long previous = best[a - 1];
                best[a] = r > previous ? previous : Math.max(best[a], r);
            }
            best[0] = Math.max(best[0], r);
            worst = score(best[keep - 1]);
        }
        // increasing key order: insertion sort of keep small ints
        for (int l = 0; l < keep; l++) {
            int k = key(best[l]);
            int at = outOff + l;
            while (at > outOff && out[at - 1] > k) {
                out[at] = out[at - 1];
                at--;
            }
            out[at] = k;
        }
    }
}
