package modarch;

import java.util.List;
import java.util.function.Function;
import java.util.stream.Collectors;

/** The checks of user-given values shared by every option and run file; each failure is a one-line {@link UserError}. */
public final class Checks {
    private Checks() {
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
}
