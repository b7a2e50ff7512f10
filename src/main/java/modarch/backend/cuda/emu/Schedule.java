package modarch.backend.cuda.emu;

/**
 * The order in which the emulated device resumes the threads of a block at each barrier. A kernel that is missing
 * a {@code __syncthreads} often passes in one order and fails in the other, so tests run both.
 */
public enum Schedule {
    /** threadIdx 0 first. */
    FORWARD,
    /** the last thread of the block first. */
    REVERSE;

    /** "forward" or "reverse". */
    public String word() {
        return name().toLowerCase(java.util.Locale.ROOT);
    }
}
