package modarch.cli;

/** A problem with what the user asked for; the CLI prints its one-line message and exits with 2. */
public final class UserError extends RuntimeException {
    public UserError(String message) {
        super(message);
    }
}
