package modarch.io;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.channels.FileLock;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** {@link RunLock#closeAndDelete()}: the lock file goes, and nobody keeps a lock on the deleted file. */
class RunLockDeleteTest {
    @TempDir
    Path tmp;

    private static final String ME = ProcessHandle.current().pid() + " " + RunLock.hostName() + "\n";

    @Test
    void closeAndDeleteRemovesTheLockFileAndTheDirectoryCanBeLockedAgain() throws Exception {
        Path dir = tmp.resolve("run");
        RunLock lock = RunLock.acquire(dir);
        lock.closeAndDelete();
        lock.close(); // idempotent
        assertFalse(Files.exists(dir.resolve(RunLock.FILE_NAME)));
        Files.delete(dir); // empty: the command that made it can remove it
        try (RunLock again = RunLock.acquire(dir)) {
            assertEquals(dir, again.dir());
        }
        assertEquals(ME, Files.readString(dir.resolve(RunLock.FILE_NAME)));
    }

    /** What a process that opened the file before the deletion finds when it locks it afterwards. */
    @Test
    void theDeletedFileIsMarkedSoThatALateLockerLetsGo() throws Exception {
        Path dir = tmp.resolve("run");
        RunLock lock = RunLock.acquire(dir);
        try (FileChannel early = FileChannel.open(dir.resolve(RunLock.FILE_NAME), StandardOpenOption.READ,
                StandardOpenOption.WRITE)) {
            lock.closeAndDelete();
            FileLock orphan = early.tryLock();
            assertNotNull(orphan, "the deleted file is free to lock, but guards nothing");
            ByteBuffer content = ByteBuffer.allocate(64);
            early.read(content, 0);
            assertEquals(RunLock.DELETED, new String(content.array(), 0, content.position(), StandardCharsets.UTF_8));
            // acquire takes the directory's current lock file, a new one
            try (RunLock current = RunLock.acquire(dir)) {
                assertTrue(Files.exists(dir.resolve(RunLock.FILE_NAME)));
            }
        }
    }

    /** A marked file still at its path (its deleter died before unlinking it) is taken over, not refused forever. */
    @Test
    void aStaleMarkedFileAtItsPathIsTakenOver() throws Exception {
        Path dir = tmp.resolve("run");
        Files.createDirectories(dir);
        Files.writeString(dir.resolve(RunLock.FILE_NAME), RunLock.DELETED);
        try (RunLock lock = RunLock.acquire(dir)) {
            assertEquals(dir, lock.dir());
        }
        assertEquals(ME, Files.readString(dir.resolve(RunLock.FILE_NAME)));
    }
}
