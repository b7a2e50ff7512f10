package modarch.cli;

import java.io.IOException;
import java.io.PrintWriter;
import modarch.UserError;
import modarch.backend.cuda.CudaException;
import modarch.io.CorruptFileException;
import modarch.io.IOFaults;
import picocli.CommandLine.Command;
import picocli.CommandLine;

/** Entry point of the modarch launcher. Exit codes: 0 success, 2 bad input, 1 environment failure or internal error, 3 a diverged run. */
@Command(name = "modarch", mixinStandardHelpOptions = true, versionProvider = VersionProvider.class,
        description = "Train and measure modular neural networks on the benchmark of "
                + "\"Is a Modular Architecture Enough?\" (Mittal, Bengio, Lajoie, 2022).",
        subcommands = {TrainCommand.class, EvalCommand.class, MetricsCommand.class, DataCommand.class,
                DevicesCommand.class, SweepCommand.class, ReproduceCommand.class, ReportCommand.class})
public final class Main implements Runnable {
    public static final int EXIT_BAD_INPUT = 2;
    /** An environment failure (a file that cannot be read or written, a CUDA device that fails), or an internal error. */
    public static final int EXIT_ENVIRONMENT = 1;
    /** A training run diverged (a non-finite loss or parameter); its last good checkpoint is kept. */
    public static final int EXIT_DIVERGED = 3;

    @CommandLine.Spec
    CommandLine.Model.CommandSpec spec;

    @Override
    public void run() {
        throw new CommandLine.ParameterException(spec.commandLine(), "a command is required: " + String.join(", ",
                spec.subcommands().keySet()));
    }

    public static void main(String[] args) {
        System.exit(execute(args));
    }

    /** Runs the CLI and returns its exit code (tests call this without exiting the JVM). */
    public static int execute(String... args) {
        CommandLine cli = new CommandLine(new Main());
        AsciiConverters.register(cli);
        cli.setParameterExceptionHandler((ex, arguments) -> {
            PrintWriter err = ex.getCommandLine().getErr();
            // picocli starts some of its messages with its own "Error: "; ours already says it
            err.println("modarch: error: " + oneLine(ex.getMessage()).replaceFirst("^Error: ", "") + " (see --help)");
            return EXIT_BAD_INPUT;
        });
        cli.setExecutionExceptionHandler((ex, commandLine, parseResult) -> failure(ex, commandLine.getErr()));
        try {
            return cli.execute(args);
        } catch (OutOfMemoryError memory) {
            // sizes are checked where they are given (SizeGuard); this is the last resort for the rest
            System.err.println("modarch: error: out of memory: the JVM may use " + Runtime.getRuntime().maxMemory() / (1 << 20)
                    + " MiB; choose smaller sizes, or raise the limit with MODARCH_JAVA_OPTS=-Xmx...");
            return EXIT_ENVIRONMENT;
        }
    }

    /**
     * A command's failure on stderr and its exit code: bad input (a value, or a file's content: a corrupt or
     * hand-edited file that no retry will mend), or an environment failure (a file that cannot be read or written,
     * the CUDA device) in one line; anything else is a bug, reported with its trace.
     */
    static int failure(Exception ex, PrintWriter err) {
        if (ex instanceof UserError || ex instanceof CorruptFileException) {
            err.println("modarch: error: " + oneLine(ex.getMessage()));
            return EXIT_BAD_INPUT;
        }
        if (ex instanceof IOException) {
            err.println("modarch: error: " + oneLine(IOFaults.describe((IOException) ex)));
            return EXIT_ENVIRONMENT;
        }
        if (ex instanceof CudaException) {
            err.println("modarch: error: CUDA: " + oneLine(ex.getMessage()));
            return EXIT_ENVIRONMENT;
        }
        err.println("modarch: internal error (a bug; please report it with the command line and this trace):");
        ex.printStackTrace(err);
        return EXIT_ENVIRONMENT;
    }

    private static String oneLine(String message) {
        return message == null ? "" : message.replaceAll("\\s*[\\r\\n]+\\s*", " ").trim();
    }
}
