package modarch.io;

import java.nio.file.Path;

/**
 * A run directory is locked by another process (or already by this one): its one-line message
 * names the directory and the holder's pid and host as the holder wrote them into the lock file.
 */
public final class RunLockedException extends Exception {
    private final Path dir;
    private final long pid;
    private final String host;

    /** pid -1 and host null when the lock file does not say (a holder that has not written it yet). */
    public RunLockedException(Path dir, long pid, String host) {
        super("run directory " + dir + " is in use by " + (pid > 0 ? "pid " + pid + " on host " + host
                : "another process (" + dir.resolve(RunLock.FILE_NAME) + " does not name it)")
                + "; wait for it to finish or stop it");
        this.dir = dir;
        this.pid = pid;
        this.host = host;
    }

    public Path dir() {
        return dir;
    }

    /** The holder's pid, or -1 when unknown. */
    public long pid() {
        return pid;
    }

    /** The holder's host name, or null when unknown. */
    public String host() {
        return host;
    }
}
