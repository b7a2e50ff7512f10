package modarch.backend.cuda;

/**
 * The slice of the CUDA driver API that {@link CudaBackend} runs on: device memory, copies, kernel launches on
 * one stream, and graph capture. Device pointers are plain {@code long}s (CUdeviceptr). Two implementations:
 * {@link JCudaDriver} on a real GPU, and the emulated device ({@code modarch.backend.cuda.emu.EmulatedDriver}),
 * which runs the same kernel sources compiled for the CPU. Every failure is a {@link CudaException}.
 */
public interface CudaDriver extends AutoCloseable {

    /** One line naming the device, e.g. "NVIDIA H100 80GB HBM3 (sm_90, 79 GiB)" or "emulated CUDA device". */
    String describe();

    /** A new device allocation of bytes (at least 256-byte aligned), not initialised. */
    long malloc(long bytes);

    void free(long pointer);

    /** {@code dst[i] = src[srcOff + i]} for i < n, dst a device address; ordered after the launches before it. */
    void copyToDevice(float[] src, int srcOff, long dst, int n);

    void copyToDevice(int[] src, int srcOff, long dst, int n);

    /** {@code dst[dstOff + i] = src[i]} for i < n, src a device address; waits for every launch before it. */
    void copyToHost(long src, float[] dst, int dstOff, int n);

    void copyToHost(long src, int[] dst, int dstOff, int n);

    /** Sets n 32-bit words at dst to value, in stream order. */
    void fill32(long dst, int value, long n);

    /** The kernel of that {@code extern "C"} name; throws when the kernels hold none. */
    Kernel kernel(String name);

    /**
     * Launches kernel on the driver's stream with the given grid and block sizes, dynamic shared memory in bytes
     * and arguments (which must match the kernel's parameter list). Asynchronous: a launch failure may show at a
     * later call.
     */
    void launch(Kernel kernel, int gridX, int gridY, int gridZ, int blockX, int blockY, int blockZ,
                int sharedBytes, KernelArgs args);

    /** Starts recording the stream's work into a graph instead of running it. */
    void beginCapture();

    /** Ends the recording started by {@link #beginCapture} and returns it, ready to replay. */
    Graph endCapture();

    /** Waits for every launch and copy before it; reports any asynchronous failure. */
    void synchronize();

    /** Releases the stream, the kernels and the context; the device allocations must be freed before. */
    @Override
    void close();

    /** A kernel handle of one driver. */
    interface Kernel {
        String name();
    }

    /** A captured sequence of launches, replayed as one unit. */
    interface Graph extends AutoCloseable {
        /** Runs the recorded work once more, on the driver's stream, with the recorded arguments. */
        void replay();

        @Override
        void close();
    }
}
