package modarch.cli;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;

/** tmpfs mounts for tests of full and read-only file systems (root only). */
final class Mounts {
    private Mounts() {
    }

    /** Mounts a tmpfs with these options (e.g. "size=300k", "ro,size=64k") on dir; null on success, else why not. */
    static String mount(Path dir, String options) {
        if (!"root".equals(System.getProperty("user.name"))) return "not root (user " + System.getProperty("user.name") + ")";
        try {
            String out = run(List.of("mount", "-t", "tmpfs", "-o", options, "tmpfs", dir.toString()));
            return out;
        } catch (IOException | InterruptedException e) {
            return "mount failed: " + e;
        }
    }

    /** Unmounts dir (lazily, so a file still open cannot keep it). */
    static void unmount(Path dir) throws IOException, InterruptedException {
        String failed = run(List.of("umount", "-l", dir.toString()));
        if (failed != null) throw new IOException("umount " + dir + ": " + failed);
    }

    /** Runs a command; null when it exits 0, else its exit code and output. */
    private static String run(List<String> command) throws IOException, InterruptedException {
        Process process = new ProcessBuilder(command).redirectErrorStream(true).start();
        byte[] output = process.getInputStream().readAllBytes();
        if (!process.waitFor(30, TimeUnit.SECONDS)) {
            process.destroyForcibly();
            return String.join(" ", command) + " did not finish";
        }
        if (process.exitValue() == 0) return null;
        return String.join(" ", command) + " exited " + process.exitValue() + ": "
                + new String(output, StandardCharsets.UTF_8).trim();
    }
}
