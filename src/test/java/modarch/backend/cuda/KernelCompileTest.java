package modarch.backend.cuda;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.io.File;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/**
 * nvcc compiles every kernel for every target of the fatbin, and ptxas reports no spill
 * ({@code bench/build-kernels.sh --check}). Needs nvcc (on these machines, and in CI), not a GPU; where nvcc is
 * absent the test skips, unless the environment variable CI is set.
 */
class KernelCompileTest {

    private static boolean nvccPresent() {
        for (String dir : System.getenv().getOrDefault("PATH", "").split(File.pathSeparator)) {
            if (Files.isExecutable(Path.of(dir, "nvcc"))) return true;
        }
        return Files.isExecutable(Path.of("/usr/local/cuda/bin/nvcc"));
    }

    @Test
    void everyKernelCompilesWithoutSpills() throws Exception {
        if (System.getenv("CI") == null) assumeTrue(nvccPresent(), "nvcc is not on this machine");
        Process p = new ProcessBuilder("bash", "bench/build-kernels.sh", "--check").redirectErrorStream(true).start();
        p.getOutputStream().close();
        String output = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        if (!p.waitFor(5, TimeUnit.MINUTES)) {
            p.destroyForcibly();
            throw new IllegalStateException("bench/build-kernels.sh --check did not end in 5 minutes:\n" + output);
        }
        assertEquals(0, p.exitValue(), output);
    }
}
