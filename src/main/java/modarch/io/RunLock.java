package modarch.io;

import static java.nio.file.StandardOpenOption.CREATE;
import static java.nio.file.StandardOpenOption.READ;
import static java.nio.file.StandardOpenOption.WRITE;

import java.io.IOException;
import java.net.InetAddress;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.channels.FileLock;
import java.nio.channels.OverlappingFileLockException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * Ownership of a run directory by one process at a time: an exclusive OS lock
 * ({@link FileChannel#tryLock()}, fcntl on Linux) on {@code DIR/.lock}, which also holds
 * {@code "<pid> <host>\n"} of the owner so that a refused process can name it. The OS drops the
 * lock when the owner exits or crashes (also on kill -9); a stale file is simply taken over.
 * The file stays after {@link #close()}; its content only means something while it is locked. Only
 * {@link #closeAndDelete()} removes it, marking it first so that nobody keeps a lock on the deleted
 * file (which would let two processes lock two different inodes): a process that locks a marked
 * file lets go and takes the directory's new one.
 *
 * <p>POSIX drops <em>all</em> of a process's locks on a file when it closes <em>any</em> descriptor
 * of it. So nothing else in the JVM may open {@code .lock} (not even to read it) while the lock is
 * held; this class never does (a second {@link #acquire} in the same JVM is refused from a table of
 * held locks, and {@link #holder} answers from that table too).
 */
public final class RunLock implements AutoCloseable {
    public static final String FILE_NAME = ".lock";
    private static final int HOLDER_BYTES = 512;
    private static final long WAIT_FOR_HOLDER_NANOS = 300_000_000L;
    /** The content of a lock file its holder deleted: whoever locks it later must take the directory's new one. */
    static final String DELETED = "deleted\n";
    /** Tries that find a marked lock file at its path before taking it over (its deleter crashed before unlinking it). */
    private static final int STALE_MARK_TRIES = 3;

    /** Locks this JVM holds, by the real path of their lock file. */
    private static final Map<Path, RunLock> HELD = new HashMap<>();
    /** Channels that may not be closed: closing them would drop a lock this JVM holds through another path. */
    private static final List<FileChannel> KEPT_OPEN = new ArrayList<>();
    private static volatile String hostName;

    private final Path dir;
    private final Path key;
    private final FileChannel channel;
    private final FileLock lock;
    private boolean released;

    private RunLock(Path dir, Path key, FileChannel channel, FileLock lock) {
        this.dir = dir;
        this.key = key;
        this.channel = channel;
        this.lock = lock;
    }

    /**
     * Takes the lock of run directory {@code dir}, creating the directory and its lock file when
     * missing, and records this process's pid and host in it.
     *
     * @throws RunLockedException when another process, or this JVM, holds it
     * @throws IOException when the directory or lock file cannot be created, opened or written
     */
    public static RunLock acquire(Path dir) throws RunLockedException, IOException {
        int markedAtPath = 0;
        for (int attempt = 0; ; attempt++) {
            // a marked file still at its path after a few tries is not one a holder deleted: it crashed in between
            Attempt a = tryAcquire(dir, markedAtPath >= STALE_MARK_TRIES);
            if (a.lock() != null) return a.lock();
            if (a.markedAtPath()) markedAtPath++;
            if (attempt == 100) throw new IOException(dir + ": its lock file keeps being deleted; is another program removing it?");
        }
    }

    /** One try of {@link #acquire}: the lock, or none when the file locked was marked {@link #DELETED}. */
    private record Attempt(RunLock lock, boolean markedAtPath) {
    }

    private static Attempt tryAcquire(Path dir, boolean takeOverMarked) throws RunLockedException, IOException {
        Files.createDirectories(dir);
        Path file = dir.resolve(FILE_NAME);
        Path key;
        FileChannel channel;
        try {
            key = dir.toRealPath().resolve(FILE_NAME);
        } catch (NoSuchFileException gone) {
            return new Attempt(null, false);
        }
        synchronized (HELD) {
            if (HELD.containsKey(key)) throw new RunLockedException(dir, currentPid(), hostName());
            try {
                channel = FileChannel.open(file, CREATE, READ, WRITE);
            } catch (NoSuchFileException gone) {
                return new Attempt(null, false); // the directory was deleted after createDirectories
            }
            FileLock lock;
            try {
                lock = channel.tryLock();
            } catch (OverlappingFileLockException e) {
                KEPT_OPEN.add(channel); // held by this JVM under another name (a link): closing would release it
                throw new RunLockedException(dir, currentPid(), hostName());
            } catch (IOException | RuntimeException e) {
                channel.close();
                throw e;
            }
            if (lock == null) {
                String[] holder;
                try (channel) {
                    holder = readHolder(channel);
                }
                throw new RunLockedException(dir, holder == null ? -1 : Long.parseLong(holder[0]),
                        holder == null ? null : holder[1]);
            }
            RunLock runLock = new RunLock(dir, key, channel, lock);
            try {
                if (DELETED.equals(content(channel))) {
                    // its holder deleted it after we opened it: it guards nothing; take the directory's current one
                    boolean atPath = Files.exists(file);
                    if (!atPath || !takeOverMarked) {
                        runLock.release();
                        return new Attempt(null, atPath);
                    }
                }
                channel.truncate(0);
                channel.write(ByteBuffer.wrap((currentPid() + " " + hostName() + "\n").getBytes(StandardCharsets.UTF_8)), 0);
            } catch (IOException e) {
                runLock.release();
                throw new IOException(file + ": cannot write the lock file: " + IOFaults.reason(e), e);
            }
            HELD.put(key, runLock);
            return new Attempt(runLock, false);
        }
    }

    /**
     * Releases the lock and deletes the lock file, for a directory that turned out to hold nothing else (a command
     * that failed before writing). The file is first marked {@link #DELETED} while still locked, so that a process
     * that opened it before the deletion and locks it after sees that it guards nothing and takes the directory's
     * new lock file instead. Idempotent with {@link #close()}.
     */
    public void closeAndDelete() throws IOException {
        synchronized (HELD) {
            if (released) return;
            try {
                channel.truncate(0);
                channel.write(ByteBuffer.wrap(DELETED.getBytes(StandardCharsets.UTF_8)), 0);
                channel.force(false);
                Files.deleteIfExists(dir.resolve(FILE_NAME));
            } finally {
                HELD.remove(key);
                release();
            }
        }
    }

    /** The whole (small) content of the lock file. */
    private static String content(FileChannel channel) throws IOException {
        ByteBuffer buffer = ByteBuffer.allocate(HOLDER_BYTES);
        while (buffer.hasRemaining() && channel.read(buffer, buffer.position()) > 0) {
            // read up to HOLDER_BYTES
        }
        return new String(buffer.array(), 0, buffer.position(), StandardCharsets.UTF_8);
    }

    /**
     * Who holds the lock of {@code dir} now, as "pid 1234 on host h" (or "another process" when the
     * file does not say); empty when nobody does. For readers such as {@code eval} that only report a
     * running training: the probe takes a shared lock for an instant, so an {@link #acquire} at that very
     * instant is refused.
     */
    public static Optional<String> holder(Path dir) throws IOException {
        Path file = dir.resolve(FILE_NAME);
        if (!Files.exists(file)) return Optional.empty();
        Path key;
        try {
            key = dir.toRealPath().resolve(FILE_NAME);
        } catch (NoSuchFileException e) {
            return Optional.empty();
        }
        synchronized (HELD) {
            if (HELD.containsKey(key)) return Optional.of(describe(currentPid(), hostName()));
            FileChannel channel = FileChannel.open(file, READ);
            FileLock probe;
            try {
                probe = channel.tryLock(0, Long.MAX_VALUE, true);
            } catch (OverlappingFileLockException e) {
                KEPT_OPEN.add(channel);
                return Optional.of(describe(currentPid(), hostName()));
            } catch (IOException | RuntimeException e) {
                channel.close();
                throw e;
            }
            try (channel) {
                if (probe != null) {
                    probe.release();
                    return Optional.empty();
                }
                String[] holder = readHolder(channel);
                return Optional.of(holder == null ? "another process" : describe(Long.parseLong(holder[0]), holder[1]));
            }
        }
    }

    public Path dir() {
        return dir;
    }

    /** Releases the lock. The file stays, naming the last holder. Idempotent. */
    @Override
    public void close() throws IOException {
        synchronized (HELD) {
            if (released) return;
            HELD.remove(key);
            release();
        }
    }

    private void release() throws IOException {
        released = true;
        try {
            lock.release();
        } finally {
            channel.close();
        }
    }

    private static String describe(long pid, String host) {
        return "pid " + pid + " on host " + host;
    }

    /**
     * {pid, host} from the lock file, or null when it does not hold them. A holder writes them right
     * after it takes the lock, so an empty file is read again for a moment.
     */
    private static String[] readHolder(FileChannel channel) throws IOException {
        long deadline = System.nanoTime() + WAIT_FOR_HOLDER_NANOS;
        while (true) {
            ByteBuffer buffer = ByteBuffer.allocate(HOLDER_BYTES);
            while (buffer.hasRemaining() && channel.read(buffer, buffer.position()) > 0) {
                // read up to HOLDER_BYTES
            }
            String[] parts = new String(buffer.array(), 0, buffer.position(), StandardCharsets.UTF_8).trim().split("\\s+");
            if (parts.length == 2 && parts[0].matches("[0-9]{1,18}")) return parts;
            if (System.nanoTime() > deadline) return null;
            try {
                Thread.sleep(10);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                return null;
            }
        }
    }

    private static long currentPid() {
        return ProcessHandle.current().pid();
    }

    /** This machine's name: the kernel's, else the resolver's, else "unknown". */
    public static String hostName() {
        String name = hostName;
        if (name == null) {
            name = "";
            try {
                name = Files.readString(Path.of("/proc/sys/kernel/hostname")).trim();
            } catch (IOException | RuntimeException e) {
                // not Linux
            }
            if (name.isEmpty()) {
                try {
                    name = InetAddress.getLocalHost().getHostName();
                } catch (IOException | RuntimeException e) {
                    name = "unknown";
                }
            }
            name = name.replaceAll("\\s+", "_");
            hostName = name;
        }
        return name;
    }
}
