package modarch;

import java.util.List;
import java.util.function.Function;
import java.util.stream.Collectors;

/** The checks of user-given values shared by every option and run file; each failure is a one-line {@link UserError}. */
public final class Checks {
    private Checks() {
    }

    /** Rule counts (and so module counts) of every family. */
    public static final int MIN_RULES = 2;
    public static final int MAX_RULES = 64;

    /** Throws UserError naming --rules and the allowed range unless 2 <= rules <= 64. */
    public static void rules(int rules) {
        if (rules < MIN_RULES || rules > MAX_RULES) {
            throw new UserError("--rules " + rules + " is out of range: allowed are " + MIN_RULES + ".." + MAX_RULES);
        }
    }

    /** Seeds key the Philox data streams: one 32-bit word. */
    public static final long MAX_SEED = 0xFFFFFFFFL;

    /** Throws UserError naming option and seed unless the seed is in 0..4294967295. */
    public static void seed(String option, long seed) {
        if (seed < 0 || seed > MAX_SEED) {
            throw new UserError(option + " " + seed + " is out of range: allowed are 0.." + MAX_SEED);
        }
    }

    /** Throws UserError naming --data-seed unless it is a numpy RandomState seed (0..2^32-1). */
    public static void dataSeed(long dataSeed) {
        if (dataSeed < 0 || dataSeed > 0xFFFFFFFFL) {
            throw new UserError("--data-seed " + dataSeed
                    + " is out of range: allowed are 0..4294967295 (a numpy RandomState seed)");
        }
    }

    /** Throws UserError unless value > 0. */
    public static void positive(String option, long value) {
        if (value <= 0) throw new UserError(option + " " + value + " is not allowed: it must be > 0");
    }

    /** The choice whose name is given, or a UserError naming every allowed name. */
    public static <T> T choose(String what, String given, List<T> choices, Function<T, String> name) {
        for (T choice : choices) {
            if (name.apply(choice).equals(given)) return choice;
        }
        throw new UserError("unknown " + what + " '" + given + "': allowed are " + names(choices, name));
    }

    /** The names of the choices, comma-separated. */
    public static <T> String names(List<T> choices, Function<T, String> name) {
        return choices.stream().map(name).collect(Collectors.joining(", "));
    }

    /** Throws UserError naming --search-version unless it is 1 or 2 (the MHA family's searches). */
    public static void searchVersion(int version) {
        if (version != 1 && version != 2) {
            throw new UserError("--search-version " + version + " is not allowed: allowed are 1, 2");
        }
    }

    /** Throws UserError naming --seq-len unless 2 <= length <= max (a token searches the others). */
    public static void seqLen(int length, int max) {
        if (length < 2 || length > max) {
            throw new UserError("--seq-len " + length + " is out of range: allowed are 2.." + max
                    + " (a token searches the others)");
        }
    }

    /** Throws UserError naming option unless min <= value <= max; why, when not null, says what bounds it. */
    public static void inRange(String option, long value, long min, long max, String why) {
        if (value < min || value > max) {
            throw new UserError(option + " " + value + " is out of range: allowed are " + min + ".." + max
                    + (why == null ? "" : " (" + why + ")"));
        }
    }
}
