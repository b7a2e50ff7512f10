package modarch.backend.cpu;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;

import java.util.Arrays;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;

/**
 * The selection's order against the attention ops' definition written out with float comparisons: higher score
 * first, every NaN above everything (whatever its bits), -0 equal to +0, ties to the lower key.
 */
class TopKSelectionTest {

    /** The order as {@link modarch.backend.Backend#attentionForward} defines it: true when (sa, a) comes first. */
    private static boolean before(float sa, int a, float sb, int b) {
        if (Float.isNaN(sa)) return !Float.isNaN(sb) || a < b;
        if (Float.isNaN(sb)) return false;
        return sa > sb || (sa == sb && a < b);
    }

    private static final float[] SPECIAL = {Float.NaN, Float.intBitsToFloat(0xFFC00001), Float.intBitsToFloat(0x7F800001),
            Float.POSITIVE_INFINITY, Float.NEGATIVE_INFINITY, 0f, -0f, Float.MIN_VALUE, -Float.MIN_VALUE,
            Float.MIN_NORMAL, -Float.MIN_NORMAL, Float.MAX_VALUE, -Float.MAX_VALUE, 1f, -1f, 1.0000001f, 0.99999994f,
            -2.5f, 3e-39f, -3e-39f};

    @Test
    void rankOrdersAsTheDefinition() {
        for (int i = 0; i < SPECIAL.length; i++) {
            for (int j = 0; j < SPECIAL.length; j++) {
                for (int[] keys : new int[][] {{3, 5}, {5, 3}, {0, 1}}) {
                    float a = SPECIAL[i], b = SPECIAL[j];
                    assertEquals(before(a, keys[0], b, keys[1]),
                            TopKSelection.rank(a, keys[0]) > TopKSelection.rank(b, keys[1]),
                            a + " (key " + keys[0] + ") against " + b + " (key " + keys[1] + ")");
                }
            }
        }
    }

    /** Random rows with many ties, zeros of both signs, infinities and NaNs: the same keys as a full sort. */
    @Test
    void selectKeepsWhatASortKeeps() {
        SplittableRandom rnd = new SplittableRandom(5);
        TopKSelection selection = new TopKSelection();
        float[] pool = {Float.NaN, Float.POSITIVE_INFINITY, Float.NEGATIVE_INFINITY, 0f, -0f, 1f, -1f, 2f, 0.5f};
        for (int trial = 0; trial < 3000; trial++) {
            int length = 2 + rnd.nextInt(40), query = rnd.nextInt(length), keep = 1 + rnd.nextInt(length - 1);
            int offset = rnd.nextInt(3);
            float[] scores = new float[offset + length];
            for (int j = 0; j < length; j++) {
                scores[offset + j] = rnd.nextInt(3) == 0 ? pool[rnd.nextInt(pool.length)] : (float) rnd.nextInt(5);
            }
            Integer[] keys = new Integer[length - 1];
            for (int j = 0, n = 0; j < length; j++) if (j != query) keys[n++] = j;
            Arrays.sort(keys, (a, b) -> before(scores[offset + a], a, scores[offset + b], b) ? -1
                    : before(scores[offset + b], b, scores[offset + a], a) ? 1 : 0);
            int[] expected = new int[keep];
            for (int l = 0; l < keep; l++) expected[l] = keys[l];
            Arrays.sort(expected);
            int[] out = new int[keep + 2];
            selection.select(scores, offset, length, query, keep, out, 1);
            assertArrayEquals(expected, Arrays.copyOfRange(out, 1, keep + 1),
                    "scores " + Arrays.toString(Arrays.copyOfRange(scores, offset, offset + length)) + " query " + query
                            + " keep " + keep);
            assertEquals(0, out[0]);
            assertEquals(0, out[keep + 1]);
        }
    }
}
