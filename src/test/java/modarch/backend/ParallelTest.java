package modarch.backend;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.util.concurrent.atomic.AtomicIntegerArray;
import modarch.backend.cpu.Parallel;
import org.junit.jupiter.api.Test;

class ParallelTest {

    @Test
    void everyIndexRunsOnceForManyLoops() {
        try (Parallel pool = new Parallel(3)) {
            for (int n : new int[] {1, 2, 3, 4, 7, 100, 1001}) {
                AtomicIntegerArray hits = new AtomicIntegerArray(n);
                for (int loop = 0; loop < 2000; loop++) {
                    pool.parallelFor(n, (from, to) -> {
                        for (int i = from; i < to; i++) hits.incrementAndGet(i);
                    });
                }
                for (int i = 0; i < n; i++) assertEquals(2000, hits.get(i), "n=" + n + " i=" + i);
            }
        }
    }

    @Test
    void chunksAreContiguousAndFixed() {
        try (Parallel pool = new Parallel(2)) {
            AtomicIntegerArray owner = new AtomicIntegerArray(10);
            pool.parallelFor(10, (from, to) -> {
                for (int i = from; i < to; i++) owner.set(i, from);
            });
            for (int i = 0; i < 10; i++) assertEquals(i < 5 ? 0 : 5, owner.get(i));
        }
    }

    @Test
    void failuresReachTheCaller() {
        try (Parallel pool = new Parallel(2)) {
            IllegalStateException inWorker = new IllegalStateException("worker");
            assertSame(inWorker, assertThrows(IllegalStateException.class, () -> pool.parallelFor(2, (from, to) -> {
                if (from == 1) throw inWorker;
            })));
            assertThrows(ArithmeticException.class, () -> pool.parallelFor(2, (from, to) -> {
                if (from == 0) throw new ArithmeticException("caller");
            }));
            int[] sum = new int[1];
            pool.parallelFor(2, (from, to) -> {
                synchronized (sum) {
                    sum[0] += to - from;
                }
            });
            assertEquals(2, sum[0], "the pool still works after failures");
        }
    }

    @Test
    void nestedLoopsRunOnTheCallingThread() {
        try (Parallel pool = new Parallel(2)) {
            AtomicIntegerArray hits = new AtomicIntegerArray(16);
            pool.parallelFor(4, (from, to) -> {
                for (int i = from; i < to; i++) {
                    int row = i;
                    pool.parallelFor(4, (f, t) -> {
                        for (int j = f; j < t; j++) hits.incrementAndGet(row * 4 + j);
                    });
                }
            });
            for (int i = 0; i < 16; i++) assertEquals(1, hits.get(i));
        }
    }

    @Test
    void closedPoolRunsOnTheCaller() {
        Parallel pool = new Parallel(2);
        pool.close();
        int[] calls = new int[1];
        pool.parallelFor(8, (from, to) -> {
            assertEquals(0, from);
            assertEquals(8, to);
            calls[0]++;
        });
        assertEquals(1, calls[0]);
    }
}
