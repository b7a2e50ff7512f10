package modarch.train;

import java.io.IOException;
import java.nio.file.FileSystemException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import modarch.UserError;
import modarch.io.IOFaults;
import modarch.io.RunLock;
import modarch.io.RunLockedException;

/**
 * This process's hold on the run directories it trains (one run, or a group of replicas): each is locked (created
 * when missing) before anything reads or writes it, so two processes never train one run. Closing releases the locks;
 * until {@link #started()} the hold is undone on close: the lock files it made go; and the directories it created go
 * when empty, deepest first, so that bad input leaves no trace.
 */
public final class HeldRuns implements AutoCloseable {
    /** A run directory held, and whether its lock file was there before. */
    private record Held(RunLock lock, boolean lockFileExisted) {
    }

    private final List<Held> held = new ArrayList<>();
    private final List<Path> created;
    private boolean started;

    private HeldRuns(List<Path> created) {
        this.created = created;
    }

    /** A hold on runs in or under top, which creates what of top is missing (undone with the rest until started). */
    public static HeldRuns under(Path top) {
        List<Path> missing = new ArrayList<>();
        for (Path p = top.toAbsolutePath(); p != null && !Files.exists(p); p = p.getParent()) missing.add(0, p);
        return new HeldRuns(missing);
    }

    /** A hold that undoes nothing on close (a sweep's runs keep their directories and lock files). */
    public static HeldRuns keeping() {
        HeldRuns hold = new HeldRuns(new ArrayList<>());
        hold.started = true;
        return hold;
    }

    /**
     * Locks dir (creating it when missing). A run another process holds is a UserError naming it, and so is a path
     * that cannot be a directory; other failures are IOExceptions.
     */
    public void lock(RunDirectory dir) throws IOException {
        if (!Files.exists(dir.root())) created.add(dir.root());
        boolean lockFileExisted = Files.exists(dir.file(RunLock.FILE_NAME));
        try {
            held.add(new Held(RunLock.acquire(dir.root()), lockFileExisted));
        } catch (RunLockedException other) {
            throw new UserError(other.getMessage());
        } catch (FileSystemException e) {
            String message = "cannot create the run directory " + dir.root() + ": " + IOFaults.describe(e);
            if (IOFaults.badPath(e)) throw new UserError(message + "; choose another --out");
            throw new IOException(message, e);
        }
    }

    /**
     * Locks dir (creating it when missing) unless another process holds it: null when locked, else the holder's
     * one-line message (nothing of dir is changed then).
     */
    public String lockUnlessHeld(RunDirectory dir) throws IOException {
        try {
            held.add(new Held(RunLock.acquire(dir.root()), true));
            return null;
        } catch (RunLockedException other) {
            return other.getMessage();
        }
    }

    /** Training has started: what the runs hold now stays on close. */
    public void started() {
        started = true;
    }

    /** Releases the locks; before {@link #started()}, also the lock files it made. Best effort: never throws. */
    @Override
    public void close() {
        for (Held h : held) {
            try {
                if (!started && !h.lockFileExisted()) {
                    h.lock().closeAndDelete();
                } else {
                    h.lock().close();
                }
            } catch (IOException e) {
                // the lock is released by the OS at exit anyway
            }
        }
        for (int i = created.size() - 1; i >= 0; i--) {
            try {
                Files.deleteIfExists(created.get(i)); // only when empty: another process may be using it by now
            } catch (IOException notEmptyOrGone) {
                // kept
            }
        }
    }
}
