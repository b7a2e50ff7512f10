package modarch.sweep;

import java.util.ArrayDeque;
import java.util.Deque;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The replica groups a sweep's workers still have to run, shared by all of them so that each group is taken by
 * one worker at a time: first every group in order, then, again and again, those another process held when they
 * were taken ({@link #heldElsewhere}), each no sooner than the poll interval after its last try. A worker is
 * told to stop only when no group is left to take and no worker is on one (a group still on a worker may come
 * back as held elsewhere); until then it waits.
 */
final class GroupQueue {
    private final Deque<ReplicaGroup> untried;
    /** The groups held elsewhere at their last try, and when (System.nanoTime) each may be tried again. */
    private final Map<ReplicaGroup, Long> retryAt = new LinkedHashMap<>();
    private final long pollNanos;
    /** How many groups workers are on now. */
    private int taken;

    GroupQueue(List<ReplicaGroup> groups, long pollNanos) {
        this.untried = new ArrayDeque<>(groups);
        this.pollNanos = pollNanos;
    }

    /** The next group to try, waiting for one when needed; null when every group has been run. */
    synchronized ReplicaGroup take() throws InterruptedException {
        while (true) {
            ReplicaGroup group = untried.poll();
            if (group == null) group = dueRetry();
            if (group != null) {
                taken++;
                return group;
            }
            if (retryAt.isEmpty() && taken == 0) return null;
            long now = System.nanoTime();
            long wake = retryAt.values().stream().mapToLong(t -> t - now).min().orElse(pollNanos);
            wait(Math.max(1, wake / 1_000_000));
        }
    }

    /** The group taken is run (done, diverged or failed here, or finished by its holder): it is not tried again. */
    synchronized void finished() {
        taken--;
        notifyAll();
    }

    /** Another process held the group taken: it is tried again after the poll interval. */
    synchronized void heldElsewhere(ReplicaGroup group) {
        taken--;
        retryAt.put(group, System.nanoTime() + pollNanos);
        notifyAll();
    }

    /** A held group whose time to be tried again has come, removed from the waiting ones; null when none. */
    private ReplicaGroup dueRetry() {
        long now = System.nanoTime();
        for (Map.Entry<ReplicaGroup, Long> e : retryAt.entrySet()) {
            if (now - e.getValue() >= 0) {
                retryAt.remove(e.getKey());
                return e.getKey();
            }
        }
        return null;
    }
}
