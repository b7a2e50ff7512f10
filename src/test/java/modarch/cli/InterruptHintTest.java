package modarch.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;

class InterruptHintTest {
    private final ByteArrayOutputStream bytes = new ByteArrayOutputStream();
    private final PrintStream err = new PrintStream(bytes, true, StandardCharsets.UTF_8);

    private String printed() {
        return bytes.toString(StandardCharsets.UTF_8);
    }

    @Test
    void firesOnceWithTheResumeLine() {
        InterruptHint hint = new InterruptHint("./modarch train --resume --out runs/a", err, false);
        assertTrue(hint.armed());
        hint.fire();
        hint.fire();
        assertEquals("modarch: interrupted; continue with: ./modarch train --resume --out runs/a"
                + System.lineSeparator(), printed());
        assertFalse(hint.armed());
    }

    @Test
    void startsOnAFreshLineOnATerminal() {
        new InterruptHint("X", err, true).fire();
        assertEquals("\nmodarch: interrupted; continue with: X" + System.lineSeparator(), printed());
    }

    @Test
    void disarmedPrintsNothing() {
        InterruptHint hint = new InterruptHint("X", err, false);
        hint.disarm();
        hint.fire();
        assertEquals("", printed());
        InterruptHint closed = new InterruptHint("X", err, false);
        closed.close();
        closed.fire();
        assertEquals("", printed());
    }

    @Test
    void installedHookIsRemovedOnClose() {
        InterruptHint hint = InterruptHint.install("X");
        Thread hook = hookOf(hint);
        assertTrue(hint.armed());
        hint.close();
        assertFalse(hint.armed());
        // removing it again reports it is no longer registered
        assertFalse(Runtime.getRuntime().removeShutdownHook(hook));
        hint.close(); // idempotent
    }

    private static Thread hookOf(InterruptHint hint) {
        try {
            java.lang.reflect.Field field = InterruptHint.class.getDeclaredField("hook");
            field.setAccessible(true);
            return (Thread) field.get(hint);
        } catch (ReflectiveOperationException e) {
            throw new AssertionError(e);
        }
    }

    @org.junit.jupiter.api.io.TempDir
    Path tmp;

    private Process demo(String mode) throws java.io.IOException {
        return new ProcessBuilder(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                "-XX:TieredStopAtLevel=1", "-cp", System.getProperty("java.class.path"),
                InterruptHintDemo.class.getName(), mode).redirectError(tmp.resolve(mode + ".err").toFile()).start();
    }

    private String stderrOf(String mode) throws java.io.IOException {
        return java.nio.file.Files.readString(tmp.resolve(mode + ".err"));
    }

    /** A real process: killed (SIGTERM, as Ctrl-C's SIGINT) it prints the line; ending on its own it does not. */
    @Test
    @org.junit.jupiter.api.Timeout(20)
    void aKilledProcessPrintsTheHintAndAFinishedOneDoesNot() throws Exception {
        Process finished = demo("finish");
        assertEquals(0, finished.waitFor());
        assertEquals("", stderrOf("finish"));

        Process killed = demo("wait");
        assertEquals("ready", new java.io.BufferedReader(new java.io.InputStreamReader(killed.getInputStream(),
                StandardCharsets.UTF_8)).readLine());
        killed.destroy();
        assertEquals(143, killed.waitFor());
        assertEquals("modarch: interrupted; continue with: ./modarch train --resume --out runs/a",
                stderrOf("wait").strip());
    }

    @Test
    void resumeCommandQuotesTheDirectoryForTheShell() {
        String launcher = System.getProperty("modarch.launcher");
        try {
            System.clearProperty("modarch.launcher");
            assertEquals("./modarch train --resume --out runs/r-1_a.b", InterruptHint.resumeCommand(Path.of("runs/r-1_a.b")));
            assertEquals("./modarch train --resume --out 'my runs/it'\\''s'", InterruptHint.resumeCommand(Path.of("my runs/it's")));
            assertEquals("./modarch train --resume --out '$HOME/x'", InterruptHint.resumeCommand(Path.of("$HOME/x")));
            System.setProperty("modarch.launcher", "/opt/modarch dir/modarch");
            assertEquals("'/opt/modarch dir/modarch' train --resume --out r", InterruptHint.resumeCommand(Path.of("r")));
        } finally {
            if (launcher == null) System.clearProperty("modarch.launcher");
            else System.setProperty("modarch.launcher", launcher);
        }
    }
}
