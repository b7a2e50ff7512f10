package modarch.backend.cuda;

import static modarch.backend.cuda.DeviceBuffer.at;
import static modarch.backend.cuda.Gpu.MAX_BLOCKS;
import static modarch.backend.cuda.Gpu.ceil;
import static modarch.backend.cuda.KernelGeometry.*;
import static modarch.backend.cuda.KernelName.*;

import modarch.backend.Backend;
import modarch.backend.FloatBuf;
import modarch.backend.IntBuf;
import modarch.backend.Op;

/**
 * The GPU backend: every op is one or two launches of our own kernels ({@code kernels/*.cu}) through a
 * {@link CudaDriver}, on buffers in device memory: an {@link Op}'s own launch through {@link Gpu}, and the products
 * and element-wise ops still declared on {@link Backend} here. The same code runs a real GPU ({@link JCudaDriver}) and the
 * emulated device, which compiles the same kernel sources for the CPU. A step needs the host for nothing:
 * batches are drawn on the device, losses and Adam's step counter stay there, and {@link #record} captures a
 * step into a CUDA graph. Launches are asynchronous; downloads wait for them.
 */
public final class CudaBackend implements Backend {
    /**
     * {@code -Dmodarch.cuda.tiledOnly=true}: every product through gemm_tiled, faster for large groups of replicas and
     * slower for one run (bench/results/gpu-*.md); replicas keep their bits either way.
     */
    public static final String TILED_ONLY_PROPERTY = "modarch.cuda.tiledOnly";

    private final CudaDriver driver;
    private final String name;
    private final Gpu gpu;
    private final boolean smallGemms;

    /** A backend on driver, called name in logs and config.json (e.g. "cuda" or "cuda-emulated"). */
    public CudaBackend(CudaDriver driver, String name) {
        this.driver = driver;
        this.name = name;
        this.gpu = new Gpu(driver);
        this.smallGemms = !Boolean.getBoolean(TILED_ONLY_PROPERTY);
    }

    @Override
    public String name() {
        return name;
    }

    /** The device in one line. */
    public String describe() {
        return driver.describe();
    }

    @Override
    public FloatBuf allocFloats(int n) {
        return new DeviceBuffer(driver, n);
    }

    @Override
    public IntBuf allocInts(int n) {
        return new DeviceBuffer(driver, n);
    }

    @Override
    public void upload(float[] src, int srcOff, FloatBuf dst, int dstOff, int n) {
        driver.copyToDevice(src, srcOff, at(dst, dstOff, n), n);
    }

    @Override
    public void upload(int[] src, int srcOff, IntBuf dst, int dstOff, int n) {
        driver.copyToDevice(src, srcOff, at(dst, dstOff, n), n);
    }

    @Override
    public void download(FloatBuf src, int srcOff, float[] dst, int dstOff, int n) {
        driver.copyToHost(at(src, srcOff, n), dst, dstOff, n);
    }

    @Override
    public void download(IntBuf src, int srcOff, int[] dst, int dstOff, int n) {
        driver.copyToHost(at(src, srcOff, n), dst, dstOff, n);
    }

    @Override
    public void close() {
        gpu.close();
        driver.close();
    }

    @Override
    public void run(Op op) {
        op.launch(gpu);
    }

    @Override
    public Replay record(Runnable body) {
        driver.beginCapture();
        try {
            body.run();
        } catch (RuntimeException | Error failure) {
            try {
                driver.endCapture().close(); // the capture must end; its failure must not hide body's
            } catch (RuntimeException endFailure) {
                failure.addSuppressed(endFailure);
            }
            throw failure;
        }
        CudaDriver.Graph graph = driver.endCapture();
        return new Replay() {
            @Override
            public void run() {
                graph.replay();
            }

            @Override
            public void close() {
                graph.close();
            }
        };
    }

    /** Elements a strided batch of (rows, cols) blocks with row stride ld spans from its first element. */
    private static long span(int batch, int stride, int rows, int ld, int cols) {
        return span(1, 0, batch, stride, rows, ld, cols);
    }

    /** The same for groups of such batches, group g starting groupStride * g elements further. */
    private static long span(int groups, int groupStride, int batch, int stride, int rows, int ld, int cols) {
        if (groups <= 0 || batch <= 0 || rows <= 0 || cols <= 0) return 0;
        return (long) (groups - 1) * groupStride + (long) (batch - 1) * stride + (long) (rows - 1) * ld + cols;
    }

    @Override
    public void gemmBatched(int batch, boolean transA, boolean transB, int m, int n, int k,
                            FloatBuf a, int aOff, int lda, int strideA,
                            FloatBuf b, int bOff, int ldb, int strideB,
                            FloatBuf c, int cOff, int ldc, int strideC,
                            boolean accumulate, FloatBuf bias, int biasOff, int strideBias, boolean relu) {
        gemmGrouped(1, 0, 0, 0, 0, batch, transA, transB, m, n, k, a, aOff, lda, strideA, b, bOff, ldb, strideB,
                c, cOff, ldc, strideC, accumulate, bias, biasOff, strideBias, relu);
    }

    /**
     * One launch for every group and item: gemm_small (32 x 32 tiles, k split four ways in each block) when each
     * item's C has at most 64 x 64 elements (more blocks busy, k walked in a quarter of the steps), else gemm_tiled
     * (64 x 64 tiles). The choice depends on the item's shape alone, never on how many items there are, so a
     * replica's arithmetic, and its bits, are the same in a group as in a single run.
     */
    @Override
    public void gemmGrouped(int groups, int groupStrideA, int groupStrideB, int groupStrideC, int groupStrideBias,
                            int batch, boolean transA, boolean transB, int m, int n, int k,
                            FloatBuf a, int aOff, int lda, int strideA,
                            FloatBuf b, int bOff, int ldb, int strideB,
                            FloatBuf c, int cOff, int ldc, int strideC,
                            boolean accumulate, FloatBuf bias, int biasOff, int strideBias, boolean relu) {
        long items = (long) groups * batch;
        if (items <= 0 || m <= 0 || n <= 0) return;
        long aSpan = transA ? span(groups, groupStrideA, batch, strideA, k, lda, m)
                : span(groups, groupStrideA, batch, strideA, m, lda, k);
        long bSpan = transB ? span(groups, groupStrideB, batch, strideB, n, ldb, k)
                : span(groups, groupStrideB, batch, strideB, k, ldb, n);
        KernelArgs args = KernelArgs.of().i(groups).i(batch).flag(transA).flag(transB).i(m).i(n).i(k)
                .ptr(at(a, aOff, aSpan)).i(lda).i(strideA).i(groupStrideA)
                .ptr(at(b, bOff, bSpan)).i(ldb).i(strideB).i(groupStrideB)
                .ptr(at(c, cOff, span(groups, groupStrideC, batch, strideC, m, ldc, n))).i(ldc).i(strideC).i(groupStrideC)
                .flag(accumulate).ptr(at(bias, biasOff, span(groups, groupStrideBias, batch, strideBias, 1, 0, n)))
                .i(strideBias).i(groupStrideBias).flag(relu);
        int z = (int) Math.min(items, MAX_BLOCKS);
        if (!smallGemms || (long) m * n > GEMM_TILE * GEMM_TILE) {
            gpu.launch(GEMM_TILED.symbol(), ceil(n, GEMM_TILE), ceil(m, GEMM_TILE), z, GEMM_THREADS, 0, args);
        } else {
            gpu.launch(GEMM_SMALL.symbol(), ceil(n, GEMM_SMALL_TILE), ceil(m, GEMM_SMALL_TILE), z, GEMM_THREADS, 0,
                    args);
        }
    }

    @Override
    public void copy(int batch, int m, int n, FloatBuf src, int srcOff, int lds, int strideSrc,
                     FloatBuf dst, int dstOff, int ldd, int strideDst) {
        copyGrouped(1, 0, 0, batch, m, n, src, srcOff, lds, strideSrc, dst, dstOff, ldd, strideDst, false);
    }

    @Override
    public void addInto(int batch, int m, int n, FloatBuf src, int srcOff, int lds, int strideSrc,
                        FloatBuf dst, int dstOff, int ldd, int strideDst) {
        copyGrouped(1, 0, 0, batch, m, n, src, srcOff, lds, strideSrc, dst, dstOff, ldd, strideDst, true);
    }

    @Override
    public void copyGrouped(int groups, int groupStrideSrc, int groupStrideDst, int batch, int m, int n,
                            FloatBuf src, int srcOff, int lds, int strideSrc,
                            FloatBuf dst, int dstOff, int ldd, int strideDst, boolean add) {
        gpu.launch1d(COPY_BLOCKS.symbol(), (long) groups * batch * m * n, KernelArgs.of().i(groups).i(batch).i(m).i(n)
                .ptr(at(src, srcOff, span(groups, groupStrideSrc, batch, strideSrc, m, lds, n))).i(lds).i(strideSrc)
                .i(groupStrideSrc)
                .ptr(at(dst, dstOff, span(groups, groupStrideDst, batch, strideDst, m, ldd, n))).i(ldd).i(strideDst)
                .i(groupStrideDst).flag(add));
    }





}
