package modarch.io;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

class RunLockTest {
    @TempDir
    Path tmp;

    private static final long PID = ProcessHandle.current().pid();

    private static Process helper(String mode, Path dir) throws IOException {
        List<String> command = List.of(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                "-Xshare:auto", "-XX:TieredStopAtLevel=1", "-cp", System.getProperty("java.class.path"),
                RunLockHolder.class.getName(), mode, dir.toString());
        return new ProcessBuilder(command).redirectError(ProcessBuilder.Redirect.INHERIT).start();
    }

    private static String firstLine(Process process) throws IOException {
        return new BufferedReader(new InputStreamReader(process.getInputStream(), StandardCharsets.UTF_8)).readLine();
    }

    /** What a separate process sees when it tries to take the lock: "got" or "busy PID". */
    private static String tryFromAnotherProcess(Path dir) throws Exception {
        Process process = helper("try", dir);
        String line = firstLine(process);
        assertTrue(process.waitFor(10, TimeUnit.SECONDS));
        return line;
    }

    @Test
    @Timeout(10)
    void secondAcquisitionInTheSameJvmFailsNamingThePidAndKeepsTheFirst() throws Exception {
        Path dir = tmp.resolve("run");
        String me = "pid " + PID + " on host " + RunLock.hostName();
        try (RunLock first = RunLock.acquire(dir)) {
            RunLockedException e = assertThrows(RunLockedException.class, () -> RunLock.acquire(dir));
            assertEquals(PID, e.pid());
            assertEquals("run directory " + dir + " is in use by pid " + PID + " on host " + RunLock.hostName()
                    + "; wait for it to finish or stop it", e.getMessage());
            // the same directory under another name is the same lock
            assertThrows(RunLockedException.class, () -> RunLock.acquire(tmp.resolve("run/../run")));
            assertEquals(Optional.of(me), RunLock.holder(dir));
            // the refused attempts did not drop the OS lock (closing any descriptor of the file would),
            // and the file names this process
            assertEquals("busy " + PID + " " + RunLock.hostName(), tryFromAnotherProcess(dir));
        }
        assertEquals(PID + " " + RunLock.hostName() + "\n", Files.readString(dir.resolve(".lock")));
        assertEquals(Optional.empty(), RunLock.holder(dir));
        try (RunLock again = RunLock.acquire(dir)) {
            assertEquals(dir, again.dir());
        }
    }

    @Test
    @Timeout(10)
    void anotherProcessHoldingTheLockIsNamedAndItsDeathReleasesIt() throws Exception {
        Path dir = tmp.resolve("run");
        Process holder = helper("hold", dir);
        try {
            assertEquals("locked", firstLine(holder));
            RunLockedException e = assertThrows(RunLockedException.class, () -> RunLock.acquire(dir));
            assertEquals(holder.pid(), e.pid());
            assertEquals(RunLock.hostName(), e.host());
            assertTrue(e.getMessage().contains("is in use by pid " + holder.pid() + " on host "), e.getMessage());
            assertEquals(Optional.of("pid " + holder.pid() + " on host " + RunLock.hostName()), RunLock.holder(dir));
        } finally {
            holder.destroyForcibly(); // kill -9: no clean-up runs, the OS releases the lock
            assertTrue(holder.waitFor(10, TimeUnit.SECONDS));
        }
        assertEquals(Optional.empty(), RunLock.holder(dir));
        try (RunLock lock = RunLock.acquire(dir)) {
            assertEquals("busy " + PID + " " + RunLock.hostName(), tryFromAnotherProcess(dir));
        }
        assertEquals("got", tryFromAnotherProcess(dir));
    }

    @Test
    void aLockFileWithoutHolderAndAnUnwritableDirectory() throws Exception {
        Path dir = Files.createDirectories(tmp.resolve("run"));
        Files.writeString(dir.resolve(".lock"), "garbage");
        try (RunLock lock = RunLock.acquire(dir)) { // stale content is taken over
            assertEquals(dir, lock.dir());
        }
        assertEquals(PID + " " + RunLock.hostName() + "\n", Files.readString(dir.resolve(".lock")));
        Path file = Files.writeString(tmp.resolve("file"), "x");
        assertThrows(IOException.class, () -> RunLock.acquire(file.resolve("run")));
        RunLockedException unknown = new RunLockedException(dir, -1, null);
        assertEquals("run directory " + dir + " is in use by another process (" + dir.resolve(".lock")
                + " does not name it); wait for it to finish or stop it", unknown.getMessage());
    }
}
