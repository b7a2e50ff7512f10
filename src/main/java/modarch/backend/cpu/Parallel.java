package modarch.backend.cpu;

import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.locks.LockSupport;

/**
 * A fixed pool of daemon threads for data-parallel loops; a loop allocates nothing.
 *
 * <p>{@link #parallelFor} cuts [0, n) into {@link #threads()} contiguous chunks, chunk t being
 * [n*t/T, n*(t+1)/T) (some may be empty): the calling thread runs chunk 0 and worker t runs chunk t, then the
 * call returns when all are done. Idle workers wait on a phase counter, spinning for {@link #SPIN_NANOS} (the
 * loops of a training step come back to back) before they park. A call made while the pool is busy, from
 * another thread or from inside a body, runs the whole range on the calling thread: bodies must give the same
 * result however the range is cut.
 */
public final class Parallel implements AutoCloseable {

    /** A loop body over a chunk [from, to) of the index range. */
    @FunctionalInterface
    public interface IntRangeBody {
        void run(int from, int to);
    }

    /** How long an idle thread spins before it parks. */
    static final long SPIN_NANOS = 50_000;

    private static final Parallel COMMON = new Parallel(Runtime.getRuntime().availableProcessors());

    private final int threads;
    private final Worker[] workers;
    private final AtomicBoolean busy = new AtomicBoolean();
    private final AtomicInteger pending = new AtomicInteger();
    private volatile int phase;
    private volatile boolean closed;
    private volatile Thread waiter;
    private volatile Throwable failure;
    // the loop in flight, published to the workers by the volatile write of phase
    private IntRangeBody body;
    private int n;

    /** A pool of {@code threads} threads in all: the caller and threads - 1 workers. */
    public Parallel(int threads) {
        if (threads < 1) throw new IllegalArgumentException("threads must be >= 1: " + threads);
        this.threads = threads;
        this.workers = new Worker[threads - 1];
        for (int t = 1; t < threads; t++) {
            Worker w = new Worker(t);
            workers[t - 1] = w;
            w.start();
        }
    }

    /** The shared pool, one thread per available processor; {@link #close()} on it is refused. */
    public static Parallel common() {
        return COMMON;
    }

    /** Threads a loop runs on, the caller included. */
    public int threads() {
        return threads;
    }

    /** Runs body over [0, n) in {@link #threads()} chunks and returns when all are done. */
    public void parallelFor(int n, IntRangeBody body) {
        if (n <= 0) return;
        if (threads == 1 || n == 1 || closed || !busy.compareAndSet(false, true)) {
            body.run(0, n);
            return;
        }
        try {
            this.body = body;
            this.n = n;
            pending.set(threads - 1);
            phase = phase + 1;
            for (Worker w : workers) {
                if (w.parked) LockSupport.unpark(w);
            }
            try {
                body.run(0, chunkEnd(0));
            } finally {
                awaitWorkers();
            }
            Throwable f = failure;
            if (f != null) {
                failure = null;
                if (f instanceof RuntimeException e) throw e;
                if (f instanceof Error e) throw e;
                throw new IllegalStateException(f);
            }
        } finally {
            this.body = null;
            busy.set(false);
        }
    }

    /** Stops the workers; later loops run on the calling thread. */
    @Override
    public void close() {
        if (this == COMMON) throw new UnsupportedOperationException("the common pool stays open");
        closed = true;
        for (Worker w : workers) LockSupport.unpark(w);
    }

    private int chunkEnd(int t) {
        return (int) ((long) n * (t + 1) / threads);
    }

    private void awaitWorkers() {
        long start = System.nanoTime();
        while (pending.get() != 0) {
            if (System.nanoTime() - start < SPIN_NANOS) {
                Thread.onSpinWait();
            } else {
                waiter = Thread.currentThread();
                if (pending.get() != 0) LockSupport.park(this);
            }
        }
        waiter = null;
    }

    private final class Worker extends Thread {
        private final int index;
        volatile boolean parked;

        Worker(int index) {
            super("modarch-parallel-" + index);
            this.index = index;
            setDaemon(true);
        }

        @Override
        public void run() {
            int seen = 0;
            while (true) {
                seen = awaitPhase(seen);
                if (closed) return;
                try {
                    body.run(chunkEnd(index - 1), chunkEnd(index));
                } catch (Throwable t) {
                    failure = t;
                }
                if (pending.decrementAndGet() == 0) {
                    Thread w = waiter;
                    if (w != null) LockSupport.unpark(w);
                }
            }
        }

        /** Waits until phase moves past seen (or the pool closes) and returns the new phase. */
        private int awaitPhase(int seen) {
            long start = System.nanoTime();
            int ph;
            while ((ph = phase) == seen && !closed) {
                if (System.nanoTime() - start < SPIN_NANOS) {
                    Thread.onSpinWait();
                } else {
                    parked = true;
                    if (phase == seen && !closed) LockSupport.park(Parallel.this);
                    parked = false;
                }
            }
            return ph;
        }
    }
}
