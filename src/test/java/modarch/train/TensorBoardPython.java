package modarch.train;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.fail;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Assumptions;

/**
 * Runs src/test/python/tensorboard_check.py, which reads event files with TensorBoard's own code. Where the tensorboard
 * package cannot be imported the test is skipped with the reason, except in CI (CI set), where .ci/run installs it:
 * there it fails.
 */
public final class TensorBoardPython {
    private static final Path SCRIPT = Path.of("src/test/python/tensorboard_check.py");
    private static final long TIMEOUT_SECONDS = 240;

    private TensorBoardPython() {
    }

    public static void assumeInstalled() throws IOException, InterruptedException {
        Result probe = run(List.of("python3", "-c", "import tensorboard"));
        if (probe.exit == 0) return;
        String reason = "the tensorboard Python package cannot be imported (python3 -m pip install tensorboard): "
                + probe.output.strip();
        if (System.getenv("CI") != null) fail(reason);
        Assumptions.abort(reason);
    }

    /** Runs the check in mode (read, serve) on logdir; fails with its output unless it passes. */
    public static String check(String mode, Path logdir, String... options) throws IOException, InterruptedException {
        List<String> command = new ArrayList<>(List.of("python3", SCRIPT.toString(), mode, logdir.toString()));
        command.addAll(List.of(options));
        Result result = run(command);
        assertEquals(0, result.exit, result.output);
        return result.output;
    }

    private record Result(int exit, String output) {
    }

    private static Result run(List<String> command) throws IOException, InterruptedException {
        Path output = Files.createTempFile("tensorboard-check", ".txt");
        Process process;
        try {
            process = new ProcessBuilder(command).redirectErrorStream(true).redirectOutput(output.toFile()).start();
        } catch (IOException noPython) {
            Files.delete(output);
            return new Result(-1, noPython.getMessage());
        }
        try {
            process.getOutputStream().close();
            boolean ended = process.waitFor(TIMEOUT_SECONDS, TimeUnit.SECONDS);
            String printed = Files.readString(output, StandardCharsets.UTF_8);
            if (!ended) fail(command + " ran past " + TIMEOUT_SECONDS + " s:\n" + printed);
            return new Result(process.exitValue(), printed);
        } finally {
            process.descendants().forEach(ProcessHandle::destroyForcibly);
            process.destroyForcibly();
            Files.delete(output);
        }
    }
}
