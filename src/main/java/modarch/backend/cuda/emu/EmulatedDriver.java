package modarch.backend.cuda.emu;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.function.Consumer;
import modarch.backend.cuda.CudaDriver;
import modarch.backend.cuda.CudaException;
import modarch.backend.cuda.KernelArgs;

/**
 * A {@link CudaDriver} on the emulated CUDA device: the kernels of kernels/*.cu compiled for the CPU
 * (native/emu), found by their {@code extern "C"} names. Launches run synchronously, on the emulator's worker
 * threads, with this driver's {@link Schedule}; a kernel failure (unknown kernel, arguments that do not match its
 * parameters, a deadlock at a barrier) is a {@link CudaException} with the emulator's words. Device memory is
 * plain process memory: copies and fills are checked against the allocations, but a kernel's out-of-bounds access
 * is not (record a trace with {@link #startTrace} and replay it under AddressSanitizer: native/asan/run.sh).
 *
 * <p>Thread-safe: every method holds the driver's lock, and launches of all drivers take turns (the schedule
 * and worker count are process-wide settings of the native emulator); each launch's blocks run in parallel.
 */
public final class EmulatedDriver implements CudaDriver {
    private static final Object NATIVE_SETTINGS = new Object(); // guards the emulator's schedule and worker count
    private final Schedule schedule;
    private final int workers;
    private final Allocations allocations = new Allocations();
    private List<Runnable> captureWork; // the launches and fills since beginCapture, null when not capturing
    private LaunchTrace trace; // null when not tracing
    private final Map<String, Integer> launchCounts = new TreeMap<>(); // launches run per kernel since the last reset
    private boolean closed;

    /** A driver running launches with schedule on as many worker threads as the machine has cores. */
    public EmulatedDriver(Schedule schedule) {
        this(schedule, 0);
    }

    /** workers: worker threads per launch, 0 for the number of cores. */
    public EmulatedDriver(Schedule schedule, int workers) {
        if (workers < 0) {
            throw new IllegalArgumentException("workers " + workers + " < 0");
        }
        this.schedule = schedule;
        synchronized (NATIVE_SETTINGS) {
            EmuNative.emu_set_workers(workers);
            this.workers = EmuNative.emu_workers();
        }
    }

    @Override
    public String describe() {
        return "emulated CUDA device (" + workers + " worker threads, " + schedule.word() + " order)";
    }

    public Schedule schedule() {
        return schedule;
    }

    @Override
    public synchronized long malloc(long bytes) {
        open();
        refuseDuringCapture("malloc");
        if (bytes < 0) {
            throw new CudaException("malloc of " + bytes + " bytes");
        }
        long pointer = EmuNative.emu_malloc(bytes);
        if (pointer == 0) {
            throw new CudaException("out of memory: malloc of " + bytes + " bytes");
        }
        Allocations.Allocation a = allocations.add(pointer, bytes);
        if (trace != null) {
            trace.alloc(a.id(), bytes);
        }
        return pointer;
    }

    @Override
    public synchronized void free(long pointer) {
        open();
        refuseDuringCapture("free");
        Allocations.Allocation a = allocations.remove(pointer);
        EmuNative.emu_free(pointer);
        if (trace != null) {
            trace.free(a.id());
        }
    }

    @Override
    public synchronized void copyToDevice(float[] src, int srcOff, long dst, int n) {
        toDevice(dst, n, () -> EmuNative.emu_memcpy(dst, srcOff == 0 ? src : Arrays.copyOfRange(src, srcOff, srcOff + n),
                4L * n), bytes -> bytes.asFloatBuffer().put(src, srcOff, n));
    }

    @Override
    public synchronized void copyToDevice(int[] src, int srcOff, long dst, int n) {
        toDevice(dst, n, () -> EmuNative.emu_memcpy(dst, srcOff == 0 ? src : Arrays.copyOfRange(src, srcOff, srcOff + n),
                4L * n), bytes -> bytes.asIntBuffer().put(src, srcOff, n));
    }

    /** A copy of n words to dst by copy, and into the trace (when tracing) the little-endian bytes traced writes. */
    private void toDevice(long dst, int n, Runnable copy, Consumer<ByteBuffer> traced) {
        Allocations.Allocation a = beforeCopy(dst, 4L * n);
        copy.run();
        if (trace != null) {
            ByteBuffer bytes = ByteBuffer.allocate(4 * n).order(ByteOrder.LITTLE_ENDIAN);
            traced.accept(bytes);
            trace.copy(a.id(), dst - a.base(), bytes.array());
        }
    }

    @Override
    public synchronized void copyToHost(long src, float[] dst, int dstOff, int n) {
        beforeCopy(src, 4L * n);
        float[] part = dstOff == 0 ? dst : new float[n];
        EmuNative.emu_memcpy(part, src, 4L * n);
        if (part != dst) System.arraycopy(part, 0, dst, dstOff, n);
    }

    @Override
    public synchronized void copyToHost(long src, int[] dst, int dstOff, int n) {
        beforeCopy(src, 4L * n);
        int[] part = dstOff == 0 ? dst : new int[n];
        EmuNative.emu_memcpy(part, src, 4L * n);
        if (part != dst) System.arraycopy(part, 0, dst, dstOff, n);
    }

    /** Checks a copy of bytes at device address p (not during a capture) and returns the allocation holding it. */
    private Allocations.Allocation beforeCopy(long p, long bytes) {
        open();
        if (captureWork != null) {
            throw new CudaException("a copy during graph capture: the emulated device captures launches and fills only");
        }
        if (bytes < 0) {
            throw new CudaException("a copy of " + bytes + " bytes");
        }
        return allocations.holding(p, bytes);
    }

    @Override
    public synchronized void fill32(long dst, int value, long n) {
        open();
        if (n < 0) {
            throw new CudaException("fill32 of " + n + " words");
        }
        allocations.holding(dst, 4 * n);
        if (captureWork != null) {
            captureWork.add(() -> runFill(dst, value, n));
        } else {
            runFill(dst, value, n);
        }
    }

    private synchronized void runFill(long dst, int value, long n) {
        open();
        Allocations.Allocation a = allocations.holding(dst, 4 * n); // a replay may come after a free
        EmuNative.emu_fill32(dst, value, n);
        if (trace != null) {
            trace.fill(a.id(), dst - a.base(), value, n);
        }
    }

    @Override
    public synchronized Kernel kernel(String name) {
        open();
        String signature = EmuNative.emu_kernel_signature(name);
        if (signature == null) {
            throw new CudaException("no kernel named " + name + " in kernels/*.cu (emulated device)");
        }
        return new EmuKernel(name, signature);
    }

    @Override
    public synchronized void launch(Kernel kernel, int gridX, int gridY, int gridZ, int blockX, int blockY,
                                    int blockZ, int sharedBytes, KernelArgs args) {
        open();
        if (!(kernel instanceof EmuKernel k)) {
            throw new CudaException("kernel " + kernel.name() + " is not a kernel of the emulated device");
        }
        if (!k.signature().equals(args.signature())) {
            throw new CudaException(k.name() + ": expects arguments (" + k.signature() + "), given ("
                    + args.signature() + ")");
        }
        Launch launch = Launch.of(k.name(), gridX, gridY, gridZ, blockX, blockY, blockZ, sharedBytes, args);
        if (captureWork != null) {
            captureWork.add(() -> run(launch));
        } else {
            run(launch);
        }
    }

    private synchronized void run(Launch launch) {
        open();
        if (trace != null) {
            trace.launch(launch, allocations);
        }
        launchCounts.merge(launch.kernel(), 1, Integer::sum);
        synchronized (NATIVE_SETTINGS) {
            EmuNative.emu_set_schedule(schedule == Schedule.REVERSE ? 1 : 0);
            EmuNative.emu_set_workers(workers);
            launch.run();
        }
    }

    /**
     * The launches run (eagerly or by a graph's replay) per kernel name since the driver opened or since
     * {@link #resetLaunchCounts}, by name; captured launches count when they run.
     */
    public synchronized Map<String, Integer> launchCounts() {
        return new TreeMap<>(launchCounts);
    }

    public synchronized void resetLaunchCounts() {
        launchCounts.clear();
    }

    /** As a real GPU's thread-local capture: memory cannot be allocated or freed while a step is recorded. */
    private void refuseDuringCapture(String call) {
        if (captureWork != null) throw new CudaException(call + " during graph capture");
    }

    @Override
    public synchronized void beginCapture() {
        open();
        if (captureWork != null) {
            throw new CudaException("beginCapture while a capture is already under way");
        }
        captureWork = new ArrayList<>();
    }

    @Override
    public synchronized Graph endCapture() {
        open();
        if (captureWork == null) {
            throw new CudaException("endCapture without beginCapture");
        }
        List<Runnable> work = List.copyOf(captureWork);
        captureWork = null;
        return new RecordedGraph(work);
    }

    @Override
    public synchronized void synchronize() {
        open();
        if (captureWork != null) {
            throw new CudaException("synchronize during graph capture");
        }
    }

    /**
     * Starts writing every allocation, copy to the device, fill and launch of this driver to file (the format:
     * {@link LaunchTrace}), beginning with the allocations live now and their contents. Replay it under
     * AddressSanitizer with {@code native/asan/run.sh file}.
     */
    public synchronized void startTrace(Path file) {
        open();
        if (trace != null) {
            throw new IllegalStateException("a trace is already being written");
        }
        LaunchTrace t = new LaunchTrace(file);
        for (Allocations.Allocation a : allocations.live()) {
            t.alloc(a.id(), a.bytes());
            byte[] contents = new byte[(int) a.bytes()];
            EmuNative.emu_memcpy(contents, a.base(), a.bytes());
            t.copy(a.id(), 0, contents);
        }
        trace = t;
    }

    /** Ends the trace started by {@link #startTrace}; does nothing when none is being written. */
    public synchronized void stopTrace() {
        if (trace != null) {
            trace.close();
            trace = null;
        }
    }

    /** Ends any trace; the allocations must be freed before. */
    @Override
    public synchronized void close() {
        if (closed) {
            return;
        }
        stopTrace();
        closed = true;
        if (!allocations.isEmpty()) {
            throw new CudaException("close of the emulated device with allocations still live");
        }
    }

    private void open() {
        if (closed) {
            throw new CudaException("the emulated device is closed");
        }
    }

    /** A kernel of the emulated device and its parameter kinds, e.g. "ppiii". */
    private record EmuKernel(String name, String signature) implements Kernel {
    }

    /** The launches and fills of one capture, run again in order at each replay. */
    private static final class RecordedGraph implements Graph {
        private List<Runnable> work;

        RecordedGraph(List<Runnable> work) {
            this.work = work;
        }

        @Override
        public void replay() {
            if (work == null) {
                throw new CudaException("replay of a closed graph");
            }
            work.forEach(Runnable::run);
        }

        @Override
        public void close() {
            work = null;
        }
    }
}
