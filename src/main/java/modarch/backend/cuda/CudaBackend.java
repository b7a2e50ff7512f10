package modarch.backend.cuda;

import static modarch.backend.cuda.DeviceBuffer.at;

import modarch.backend.Backend;
import modarch.backend.FloatBuf;
import modarch.backend.IntBuf;
import modarch.backend.Op;

/**
 * The GPU backend: every op is one or two launches of our own kernels ({@code kernels/*.cu}) through a
 * {@link CudaDriver}, on buffers in device memory: an {@link Op}'s own launch through {@link Gpu}. The same code
 * runs a real GPU ({@link JCudaDriver}) and the emulated device, which compiles the same kernel sources for the CPU. A step needs the host for nothing:
 * batches are drawn on the device, losses and Adam's step counter stay there, and {@link #record} captures a
 * step into a CUDA graph. Launches are asynchronous; downloads wait for them.
 */
public final class CudaBackend implements Backend {
    private final CudaDriver driver;
    private final String name;
    private final Gpu gpu;

    /** A backend on driver, called name in logs and config.json (e.g. "cuda" or "cuda-emulated"). */
    public CudaBackend(CudaDriver driver, String name) {
        this.driver = driver;
        this.name = name;
        this.gpu = new Gpu(driver);
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
}
