package modarch.sweep;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;

import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/** The queue a sweep's workers share: each group once, held ones again, and the end only once nothing can come back. */
class GroupQueueTest {
    private final ReplicaGroup g0 = new ReplicaGroup(0, List.of());
    private final ReplicaGroup g1 = new ReplicaGroup(1, List.of());

    @Test
    void everyGroupIsTakenOnceAndAHeldOneAgainUntilItIsRun() throws Exception {
        GroupQueue queue = new GroupQueue(List.of(g0, g1), 0);
        assertEquals(g0, queue.take());
        assertEquals(g1, queue.take());
        queue.heldElsewhere(g0);
        queue.finished();
        assertEquals(g0, queue.take());
        queue.heldElsewhere(g0);
        assertEquals(g0, queue.take());
        queue.finished();
        assertNull(queue.take());
    }

    @Test
    void aWorkerWithNothingToTakeWaitsForTheGroupsOnOtherWorkers() throws Exception {
        GroupQueue queue = new GroupQueue(List.of(g0), 0);
        assertEquals(g0, queue.take());
        CompletableFuture<ReplicaGroup> other = takeElsewhere(queue);
        assertFalse(other.isDone(), "nothing to take, but g0 may come back");
        queue.heldElsewhere(g0); // it does: the other worker takes it
        assertEquals(g0, other.get(60, TimeUnit.SECONDS));
        CompletableFuture<ReplicaGroup> last = takeElsewhere(queue);
        queue.finished();
        assertNull(last.get(60, TimeUnit.SECONDS), "every group run: the workers stop");
    }

    /** queue.take() on another thread. */
    private static CompletableFuture<ReplicaGroup> takeElsewhere(GroupQueue queue) {
        return CompletableFuture.supplyAsync(() -> {
            try {
                return queue.take();
            } catch (InterruptedException e) {
                throw new IllegalStateException(e);
            }
        });
    }
}
