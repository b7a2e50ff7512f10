package modarch.train;

import modarch.UserError;

/**
 * The rows of one batch pass, replicas x examples x the longest sequence: every activation buffer is this many
 * rows of some width. Bounded here, so that a buffer's size (rows times a width, computed in long) is never an
 * overflowed int; a buffer past 2^31 elements is then refused where it is allocated.
 */
public final class BatchRows {
    /** 2^24 rows: 87 times the paper's largest pass (25 replicas x 256 examples x 30 tokens of MHA evaluation). */
    public static final long MAX = 1L << 24;

    private BatchRows() {
    }

    /** Throws UserError naming option, its value examples and the limit unless replicas x examples x length <= MAX. */
    public static void check(String option, long examples, long replicas, long length) {
        long rows;
        try {
            rows = Math.multiplyExact(Math.multiplyExact(replicas, examples), length);
        } catch (ArithmeticException overflow) {
            rows = Long.MAX_VALUE;
        }
        if (rows > MAX) {
            throw new UserError(option + " " + examples + " is too large: " + replicas + " replica(s) x " + examples
                    + " examples x length " + length + " is " + (rows == Long.MAX_VALUE ? "over 2^63" : rows)
                    + " rows per batch, more than the limit of " + MAX + "; choose a smaller " + option);
        }
    }
}
