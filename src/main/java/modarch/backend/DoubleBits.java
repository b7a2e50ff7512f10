package modarch.backend;

/**
 * Doubles carried in an {@link IntBuf}: value i is the int pair (low word, high word) at 2i and 2i + 1, the layout
 * of a little-endian {@code double[]}, so a kernel reads the pair as one double. For the few float64 tables a
 * step reads exactly (a task's coefficients), without a third buffer type.
 */
public final class DoubleBits {
    private DoubleBits() {
    }

    /** values as (low, high) word pairs. */
    public static int[] toInts(double[] values) {
        int[] out = new int[2 * values.length];
        for (int i = 0; i < values.length; i++) {
            long bits = Double.doubleToRawLongBits(values[i]);
            out[2 * i] = (int) bits;
            out[2 * i + 1] = (int) (bits >>> 32);
        }
        return out;
    }

    /** Value i of (low, high) word pairs. */
    public static double at(int[] words, int i) {
        return Double.longBitsToDouble((words[2 * i] & 0xFFFFFFFFL) | ((long) words[2 * i + 1] << 32));
    }
}
