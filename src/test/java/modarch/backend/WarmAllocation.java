package modarch.backend;

import java.lang.management.ManagementFactory;

/**
 * Bytes a body allocates once warm, on the calling thread and the pools' threads ("modarch-parallel*"): runs it once,
 * then 50 times at a go until a window allocates nothing or 120 s have passed (the Vector API allocates until C2 has
 * compiled the kernels, and CI machines may be loaded). Returns the last window's bytes: 0 when clean.
 */
final class WarmAllocation {
    private WarmAllocation() {
    }

    static long ofFiftyRuns(Runnable body) {
        com.sun.management.ThreadMXBean threads = (com.sun.management.ThreadMXBean) ManagementFactory.getThreadMXBean();
        body.run();
        long[] ids = Thread.getAllStackTraces().keySet().stream()
                .filter(t -> t == Thread.currentThread() || t.getName().startsWith("modarch-parallel"))
                .mapToLong(Thread::getId).toArray();
        long allocated = -1;
        long deadline = System.nanoTime() + 120_000_000_000L;
        while (allocated != 0 && System.nanoTime() < deadline) {
            long before = total(threads, ids);
            for (int i = 0; i < 50; i++) body.run();
            allocated = total(threads, ids) - before;
        }
        return allocated;
    }

    private static long total(com.sun.management.ThreadMXBean threads, long[] ids) {
        long sum = 0;
        for (long id : ids) sum += threads.getThreadAllocatedBytes(id);
        return sum;
    }
}
