package modarch.backend.cuda.emu;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.concurrent.TimeUnit;

/**
 * Replays a launch trace (written by {@link EmulatedDriver#startTrace}) under AddressSanitizer with
 * native/asan/run.sh, which first builds the kernels with ASan into target/asan (about 20 s the first time on two
 * cores, then only what changed). For any kernel test: start a trace before its launches, stop it after, and
 * assert {@code AsanReplay.run(trace).exitCode() == 0}.
 */
public final class AsanReplay {
    /** The replay's exit status (0: no out-of-bounds access) and its stdout and stderr together. */
    public record Result(int exitCode, String output) {
    }

    private AsanReplay() {
    }

    public static Result run(Path trace) throws IOException, InterruptedException {
        Process p = new ProcessBuilder("bash", "native/asan/run.sh", trace.toString()).redirectErrorStream(true).start();
        p.getOutputStream().close();
        String output = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        if (!p.waitFor(5, TimeUnit.MINUTES)) {
            p.destroyForcibly();
            throw new IllegalStateException("native/asan/run.sh " + trace + " did not end in 5 minutes:\n" + output);
        }
        return new Result(p.exitValue(), output);
    }
}
