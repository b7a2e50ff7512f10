package modarch.sweep;

import java.nio.file.Path;
import modarch.UserError;

/**
 * The bound on a sweep file's size: its grids' runs are counted from the sizes of their axes (in long, saturating
 * at Long.MAX_VALUE) before any run is built, and a file past {@link #MAX_RUNS} is refused.
 */
final class GridLimit {
    /** Ten times the paper's largest grid (sweeps/paper-mha.yaml: 10,000 runs); planning takes ~16 KB a run. */
    static final long MAX_RUNS = 100_000;

    private GridLimit() {
    }

    /** Throws UserError naming file and runs unless runs <= MAX_RUNS. */
    static void check(Path file, long runs) {
        if (runs > MAX_RUNS) {
            throw new UserError(file + ": its grids expand to " + (runs == Long.MAX_VALUE ? "over " : "") + runs
                    + " runs, more than the limit of " + MAX_RUNS + " runs per sweep file: split it into several files");
        }
    }

    static long plus(long a, long b) {
        long sum = a + b;
        return sum < 0 ? Long.MAX_VALUE : sum;
    }

    static long times(long a, long b) {
        return a != 0 && b > Long.MAX_VALUE / a ? Long.MAX_VALUE : a * b;
    }
}
