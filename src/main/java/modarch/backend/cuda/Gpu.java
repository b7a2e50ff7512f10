package modarch.backend.cuda;

import java.util.HashMap;
import java.util.Map;
import modarch.backend.IntMat;
import modarch.backend.Mat;

/**
 * What an op's CUDA launch needs from {@link CudaBackend}: device addresses of its views (each range checked
 * against its buffer) and launches of kernels named by their {@code extern "C"} symbols, looked up once.
 */
public final class Gpu implements AutoCloseable {
    /**
     * {@code -Dmodarch.cuda.tiledOnly=true}: no product through gemm_small, faster for large groups of replicas and
     * slower for one run (bench/results/gpu-*.md); replicas keep their bits either way. Read when a backend opens.
     */
    public static final String TILED_ONLY_PROPERTY = "modarch.cuda.tiledOnly";
    /** Grid-stride kernels cap their grids here. */
    public static final int MAX_BLOCKS = 65535;
    private static final int THREADS = KernelGeometry.BLOCK_THREADS;
    private static final int WARPS_PER_BLOCK = THREADS / 32;

    private final CudaDriver driver;
    private final boolean tiledGemmsOnly;
    private final Map<String, CudaDriver.Kernel> kernels = new HashMap<>();
    private final DeviceBuffer ticket; // ticket is (1): 0 between launches
    private DeviceBuffer scratch;

    Gpu(CudaDriver driver) {
        this.driver = driver;
        this.tiledGemmsOnly = Boolean.getBoolean(TILED_ONLY_PROPERTY);
        this.ticket = new DeviceBuffer(driver, 1);
    }

    /** Whether no product runs gemm_small ({@link #TILED_ONLY_PROPERTY}). */
    public boolean tiledGemmsOnly() {
        return tiledGemmsOnly;
    }

    /** The device address of view's first element (0 for an absent view). */
    public long at(Mat view) {
        return view == null ? 0 : DeviceBuffer.at(view.buf(), view.off(), view.span());
    }

    /** The address of view's first element for an access of span elements from there (view absent: 0). */
    public long at(Mat view, long span) {
        return view == null ? 0 : DeviceBuffer.at(view.buf(), view.off(), span);
    }

    public long at(IntMat view) {
        return view == null ? 0 : DeviceBuffer.at(view.buf(), view.off(), view.span());
    }

    /**
     * The address of a scratch area of at least words 4-byte words, grown on first use of a size (so that first
     * use must not be inside {@link CudaBackend#record}); one area, shared by every op that needs one.
     */
    public long scratch(int words) {
        if (scratch == null || scratch.length() < words) {
            if (scratch != null) scratch.close();
            scratch = null;
            scratch = new DeviceBuffer(driver, words);
        }
        return DeviceBuffer.at(scratch, 0, words);
    }

    /**
     * The address of a device word that is 0 between launches: a kernel whose last block finishes the launch's work
     * (adam_step) counts its blocks there with an atomic, and that last block puts it back to 0.
     */
    public long ticket() {
        return DeviceBuffer.at(ticket, 0, 1);
    }

    /** One launch of kernel over grid (x, y, z) of blocks of threads threads, with sharedBytes of dynamic shared memory. */
    public void launch(String kernel, int gridX, int gridY, int gridZ, int threads, int sharedBytes, KernelArgs args) {
        driver.launch(kernel(kernel), gridX, gridY, gridZ, threads, 1, 1, sharedBytes, args);
    }

    /** One thread per element (threads < 2^31: the kernels index in 32 bits), grid-striding past MAX_BLOCKS. */
    public void launch1d(String kernel, long threads, KernelArgs args) {
        if (threads > Integer.MAX_VALUE) throw new IllegalArgumentException(threads + " elements in one op");
        if (threads > 0) launch(kernel, blocksFor(threads, THREADS), 1, 1, THREADS, 0, args);
    }

    /** One warp per item, THREADS per block, grid-striding past MAX_BLOCKS. */
    public void launchWarps(String kernel, long warps, KernelArgs args) {
        if (warps > 0) launch(kernel, blocksFor(warps, WARPS_PER_BLOCK), 1, 1, THREADS, 0, args);
    }

    /** Blocks of perBlock for threads, at least 1 and at most MAX_BLOCKS. */
    public static int blocksFor(long threads, int perBlock) {
        return (int) Math.max(1, Math.min(MAX_BLOCKS, (threads + perBlock - 1) / perBlock));
    }

    public static int ceil(int x, int tile) {
        return (x + tile - 1) / tile;
    }

    private CudaDriver.Kernel kernel(String symbol) {
        CudaDriver.Kernel kernel = kernels.get(symbol);
        if (kernel == null) {
            kernel = driver.kernel(symbol);
            kernels.put(symbol, kernel);
        }
        return kernel;
    }

    @Override
    public void close() {
        ticket.close();
        if (scratch != null) scratch.close();
    }
}
