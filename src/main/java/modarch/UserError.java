package modarch;

/**
 * A problem with what the user asked for or gave (an option value, a file's content): its message is one line
 * naming the value and what is allowed, and the command line exits with 2. Any layer may throw it; every
 * other exception is an environment failure or a bug.
 */
public final class UserError extends RuntimeException {
    public UserError(String message) {
        super(message);
    }
}
