package modarch.cli;

import java.io.PrintStream;
import java.nio.file.Path;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.regex.Pattern;

/**
 * Tells how to continue after Ctrl-C (or a kill): a JVM shutdown hook that prints one line,
 * {@code modarch: interrupted; continue with: ./modarch train --resume --out DIR}, unless the
 * command disarmed it because it is ending on its own. Use it around the command's work:
 * <pre>{@code
 * try (InterruptHint hint = InterruptHint.install(InterruptHint.resumeCommand(out))) {
 *     ... train ...
 * } // closing disarms it and removes the hook, on success and on every error
 * }</pre>
 * A signal runs the shutdown hooks while the work is still inside the block, so only then the line is printed.
 */
public final class InterruptHint implements AutoCloseable {
    private static final Pattern SHELL_SAFE = Pattern.compile("[A-Za-z0-9_@%+=:,./-]+");

    private final String message;
    private final PrintStream err;
    private final boolean newLineFirst;
    private final AtomicBoolean armed = new AtomicBoolean(true);
    private Thread hook;

    /**
     * A hint not yet installed. {@code newLineFirst}: start on a fresh line, for a terminal where a
     * progress bar may hold the cursor mid-line.
     */
    InterruptHint(String command, PrintStream err, boolean newLineFirst) {
        this.message = "modarch: interrupted; continue with: " + command;
        this.err = err;
        this.newLineFirst = newLineFirst;
    }

    /**
     * Installs the hint as a shutdown hook printing to the current {@code System.err}, which starts
     * on a new line when stderr is a terminal (the launcher's {@code -Dmodarch.stderr.tty}).
     */
    public static InterruptHint install(String command) {
        InterruptHint hint = new InterruptHint(command, System.err, Boolean.getBoolean("modarch.stderr.tty"));
        hint.hook = new Thread(hint::fire, "modarch-interrupt-hint");
        Runtime.getRuntime().addShutdownHook(hint.hook);
        return hint;
    }

    /**
     * {@code ./modarch train --resume --out DIR}, with the launcher as it was called (the launcher passes
     * {@code -Dmodarch.launcher="$0"}; {@code ./modarch} otherwise) and DIR quoted for the shell when needed.
     */
    public static String resumeCommand(Path out) {
        return launcher() + " train --resume --out "
                + shellQuote(out.toString());
    }

    /** The launcher as it was called (its {@code -Dmodarch.launcher}; {@code ./modarch} otherwise), quoted for the shell. */
    static String launcher() {
        return shellQuote(System.getProperty("modarch.launcher", "./modarch"));
    }

    /** {@code word} as one POSIX shell word: unchanged when safe, else in single quotes. */
    static String shellQuote(String word) {
        if (SHELL_SAFE.matcher(word).matches()) return word;
        return "'" + word.replace("'", "'\\''") + "'";
    }

    /** The line the hook prints. */
    public String message() {
        return message;
    }

    /** The command is ending on its own (successfully or with its own error): print nothing at exit. */
    public void disarm() {
        armed.set(false);
    }

    public boolean armed() {
        return armed.get();
    }

    /** The hook's body: prints the line once, if still armed. */
    void fire() {
        if (!armed.getAndSet(false)) return;
        err.print((newLineFirst ? "\n" : "") + message + System.lineSeparator());
        err.flush();
    }

    /** Disarms the hint and removes its hook (which is harmless while the JVM is already shutting down). */
    @Override
    public void close() {
        disarm();
        if (hook != null) {
            try {
                Runtime.getRuntime().removeShutdownHook(hook);
            } catch (IllegalStateException shuttingDown) {
                // the hook runs (or ran) and prints nothing: it is disarmed
            }
            hook = null;
        }
    }
}
