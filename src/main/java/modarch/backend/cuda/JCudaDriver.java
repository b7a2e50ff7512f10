package modarch.backend.cuda;

import static jcuda.driver.JCudaDriver.cuCtxSetCurrent;
import static jcuda.driver.JCudaDriver.cuDevicePrimaryCtxRelease;
import static jcuda.driver.JCudaDriver.cuDevicePrimaryCtxRetain;
import static jcuda.driver.JCudaDriver.cuGraphDestroy;
import static jcuda.driver.JCudaDriver.cuGraphExecDestroy;
import static jcuda.driver.JCudaDriver.cuGraphInstantiate;
import static jcuda.driver.JCudaDriver.cuGraphLaunch;
import static jcuda.driver.JCudaDriver.cuInit;
import static jcuda.driver.JCudaDriver.cuDeviceGet;
import static jcuda.driver.JCudaDriver.cuLaunchKernel;
import static jcuda.driver.JCudaDriver.cuMemAlloc;
import static jcuda.driver.JCudaDriver.cuMemFree;
import static jcuda.driver.JCudaDriver.cuMemcpyDtoH;
import static jcuda.driver.JCudaDriver.cuMemcpyHtoDAsync;
import static jcuda.driver.JCudaDriver.cuMemsetD32Async;
import static jcuda.driver.JCudaDriver.cuModuleGetFunction;
import static jcuda.driver.JCudaDriver.cuModuleLoadData;
import static jcuda.driver.JCudaDriver.cuModuleUnload;
import static jcuda.driver.JCudaDriver.cuStreamBeginCapture;
import static jcuda.driver.JCudaDriver.cuStreamCreate;
import static jcuda.driver.JCudaDriver.cuStreamDestroy;
import static jcuda.driver.JCudaDriver.cuStreamEndCapture;
import static jcuda.driver.JCudaDriver.cuStreamSynchronize;

import java.util.HashMap;
import java.util.Map;
import java.util.function.Supplier;
import jcuda.Pointer;
import jcuda.driver.CUcontext;
import jcuda.driver.CUdevice;
import jcuda.driver.CUdeviceptr;
import jcuda.driver.CUfunction;
import jcuda.driver.CUgraph;
import jcuda.driver.CUgraphExec;
import jcuda.driver.CUmodule;
import jcuda.driver.CUstream;
import jcuda.driver.CUstreamCaptureMode;
import jcuda.driver.CUstream_flags;

/**
 * {@link CudaDriver} on a real GPU through JCuda's driver API: the primary context of one device, one
 * non-blocking stream that orders every copy, fill and launch, and the kernels of one module (the fatbin of
 * {@link KernelImage}). Graphs are captured in thread-local mode: a call of this thread that cannot be captured
 * (an allocation, a copy to the host) fails during the capture instead of running out of order. Used by one
 * thread at a time; the context is made current on whichever thread calls. One driver per GPU can be open at once
 * (a thread may call several: each call makes its own device's context current when another one is). Check
 * {@link CudaProbe} before opening one: without libcuda, JCuda's classes cannot even load.
 */
public final class JCudaDriver implements CudaDriver {
    /** The context each thread made current last (CUDA's current context is per thread). */
    private static final ThreadLocal<CUcontext> CURRENT = new ThreadLocal<>();
    private final CUdevice device = new CUdevice();
    private final CUcontext context = new CUcontext();
    private final CUstream stream = new CUstream();
    private final CUmodule module = new CUmodule();
    private final Map<String, JKernel> kernels = new HashMap<>();
    private final String description;
    private boolean closed;
    private KernelProfile profile; // null unless profiling

    /** Device ordinal's driver with modarch's kernels ({@link KernelImage#load}). */
    public static JCudaDriver open(int ordinal) {
        return new JCudaDriver(ordinal, KernelImage.load());
    }

    /** Device ordinal's driver with the kernels of image: a fatbin, a cubin or NUL-terminated PTX. */
    public JCudaDriver(int ordinal, byte[] image) {
        Cu.throwOnError();
        String call = "cuInit";
        try {
            cuInit(0);
            call = "cuDeviceGet(" + ordinal + ")";
            cuDeviceGet(device, ordinal);
            call = "cuDevicePrimaryCtxRetain";
            cuDevicePrimaryCtxRetain(context, device);
        } catch (jcuda.CudaException e) {
            throw Cu.failed(call, e);
        }
        try {
            call = "cuCtxSetCurrent";
            cuCtxSetCurrent(context);
            CURRENT.set(context);
            call = "cuStreamCreate";
            cuStreamCreate(stream, CUstream_flags.CU_STREAM_NON_BLOCKING);
        } catch (jcuda.CudaException e) {
            quietly(() -> cuDevicePrimaryCtxRelease(device));
            throw Cu.failed(call, e);
        }
        try {
            cuModuleLoadData(module, image);
        } catch (jcuda.CudaException e) {
            quietly(() -> cuStreamDestroy(stream));
            quietly(() -> cuDevicePrimaryCtxRelease(device));
            throw Cu.failed("cuModuleLoadData of the kernels (" + ByteSize.of(image.length) + ")", e);
        }
        try {
            description = CudaProbe.Device.of(ordinal, device).describe();
        } catch (jcuda.CudaException e) {
            quietly(() -> cuModuleUnload(module));
            quietly(() -> cuStreamDestroy(stream));
            quietly(() -> cuDevicePrimaryCtxRelease(device));
            throw Cu.failed("reading the properties of device " + ordinal, e);
        }
    }

    /** A clean-up step after a failure, whose own failure would hide the first one. */
    private static void quietly(Runnable step) {
        try {
            step.run();
        } catch (jcuda.CudaException ignored) {
            // the failure being reported matters more
        }
    }

    @Override
    public String describe() {
        return description;
    }

    @Override
    public long malloc(long bytes) {
        DevicePointer pointer = new DevicePointer();
        call(() -> "cuMemAlloc of " + ByteSize.of(bytes), () -> cuMemAlloc(pointer, bytes));
        return pointer.address();
    }

    @Override
    public void free(long pointer) {
        call(() -> "cuMemFree", () -> cuMemFree(at(pointer)));
    }

    @Override
    public void copyToDevice(float[] src, int srcOff, long dst, int n) {
        toDevice(Pointer.to(src).withByteOffset(4L * srcOff), dst, n);
    }

    @Override
    public void copyToDevice(int[] src, int srcOff, long dst, int n) {
        toDevice(Pointer.to(src).withByteOffset(4L * srcOff), dst, n);
    }

    /**
     * An asynchronous copy from pageable memory: the driver stages the source before the call returns (CUDA's
     * documented behaviour), so the Java array may move or change afterwards.
     */
    private void toDevice(Pointer src, long dst, int n) {
        call(() -> "cuMemcpyHtoDAsync of " + ByteSize.of(4L * n), () -> cuMemcpyHtoDAsync(at(dst), src, 4L * n, stream));
    }

    @Override
    public void copyToHost(long src, float[] dst, int dstOff, int n) {
        toHost(src, Pointer.to(dst).withByteOffset(4L * dstOff), n);
    }

    @Override
    public void copyToHost(long src, int[] dst, int dstOff, int n) {
        toHost(src, Pointer.to(dst).withByteOffset(4L * dstOff), n);
    }

    /** Waits for the stream, then copies synchronously: a Java array is only pinned during the call. */
    private void toHost(long src, Pointer dst, int n) {
        synchronize();
        call(() -> "cuMemcpyDtoH of " + ByteSize.of(4L * n), () -> cuMemcpyDtoH(dst, at(src), 4L * n));
    }

    @Override
    public void fill32(long dst, int value, long n) {
        call(() -> "cuMemsetD32Async of " + n + " words", () -> cuMemsetD32Async(at(dst), value, n, stream));
    }

    @Override
    public Kernel kernel(String name) {
        JKernel kernel = kernels.get(name);
        if (kernel != null) return kernel;
        CUfunction function = new CUfunction();
        call(() -> "cuModuleGetFunction of kernel '" + name + "'", () -> cuModuleGetFunction(function, module, name));
        kernel = new JKernel(name, function);
        kernels.put(name, kernel);
        return kernel;
    }

    @Override
    public void launch(Kernel kernel, int gridX, int gridY, int gridZ, int blockX, int blockY, int blockZ,
                       int sharedBytes, KernelArgs args) {
        if (!(kernel instanceof JKernel own) || kernels.get(kernel.name()) != own) {
            throw new IllegalArgumentException("kernel " + kernel.name() + " is not one of this driver's");
        }
        Runnable launch = () -> cuLaunchKernel(own.function(), gridX, gridY, gridZ, blockX, blockY, blockZ,
                sharedBytes, stream, parameters(args), null);
        call(() -> "cuLaunchKernel of " + kernel.name() + " (grid " + gridX + "x" + gridY + "x" + gridZ + ", block "
                        + blockX + "x" + blockY + "x" + blockZ + ", " + sharedBytes + " bytes shared)",
                profile == null ? launch : () -> profile.around(kernel.name(), launch));
    }

    /** kernelParams: one pointer per argument to its value, pointers and longs as 64 bits, ints and floats 32. */
    private static Pointer parameters(KernelArgs args) {
        Pointer[] values = new Pointer[args.count()];
        for (int i = 0; i < values.length; i++) {
            long bits = args.bits(i);
            values[i] = switch (args.kind(i)) {
                case 'p', 'l' -> Pointer.to(new long[] {bits});
                case 'i' -> Pointer.to(new int[] {(int) bits});
                case 'f' -> Pointer.to(new float[] {Float.intBitsToFloat((int) bits)});
                case 'd' -> Pointer.to(new double[] {Double.longBitsToDouble(bits)});
                default -> throw new IllegalArgumentException("argument " + i + " has kind '" + args.kind(i) + "'");
            };
        }
        return Pointer.to(values);
    }

    @Override
    public void beginCapture() {
        call(() -> "cuStreamBeginCapture",
                () -> cuStreamBeginCapture(stream, CUstreamCaptureMode.CU_STREAM_CAPTURE_MODE_THREAD_LOCAL));
    }

    @Override
    public Graph endCapture() {
        CUgraph graph = new CUgraph();
        call(() -> "cuStreamEndCapture", () -> cuStreamEndCapture(stream, graph));
        CUgraphExec exec = new CUgraphExec();
        try {
            cuGraphInstantiate(exec, graph, 0);
        } catch (jcuda.CudaException e) {
            quietly(() -> cuGraphDestroy(graph));
            throw Cu.failed("cuGraphInstantiate", e);
        }
        return new JGraph(graph, exec);
    }

    @Override
    public void synchronize() {
        call(() -> "cuStreamSynchronize (an earlier launch or copy may have failed)", () -> cuStreamSynchronize(stream));
    }

    @Override
    public void close() {
        if (closed) return;
        closed = true;
        makeCurrent();
        try {
            cuModuleUnload(module);
            cuStreamDestroy(stream);
        } catch (jcuda.CudaException e) {
            quietly(() -> cuDevicePrimaryCtxRelease(device));
            throw Cu.failed("cuModuleUnload/cuStreamDestroy", e);
        }
        try {
            cuDevicePrimaryCtxRelease(device);
        } catch (jcuda.CudaException e) {
            throw Cu.failed("cuDevicePrimaryCtxRelease", e);
        }
    }

    /** Starts timing every launch on the GPU (CUDA events around each); not during a graph capture. */
    public void startProfile() {
        profile = new KernelProfile(stream);
    }

    /** GPU milliseconds and launch count per kernel since {@link #startProfile}; stops timing. */
    public Map<String, double[]> stopProfile() {
        makeCurrent();
        try {
            return profile.totals();
        } catch (jcuda.CudaException e) {
            throw Cu.failed("reading the kernel profile", e);
        } finally {
            profile = null;
        }
    }

    /** Runs a driver call in this driver's context, a failure becoming a CudaException that names it (what). */
    private void call(Supplier<String> what, Runnable step) {
        makeCurrent();
        try {
            step.run();
        } catch (jcuda.CudaException e) {
            throw Cu.failed(what.get(), e);
        }
    }

    /** Makes this driver's context current on the calling thread when another one is (or none). */
    private void makeCurrent() {
        if (CURRENT.get() == context) return;
        try {
            cuCtxSetCurrent(context);
        } catch (jcuda.CudaException e) {
            throw Cu.failed("cuCtxSetCurrent", e);
        }
        CURRENT.set(context);
    }

    private static CUdeviceptr at(long address) {
        return new CUdeviceptr().withByteOffset(address);
    }

    /** A CUdeviceptr whose address can be read (JCuda keeps it protected). */
    private static final class DevicePointer extends CUdeviceptr {
        long address() {
            return getNativePointer() + getByteOffset();
        }
    }

    private record JKernel(String name, CUfunction function) implements Kernel {
    }

    /** A graph and its executable instance, replayed on this driver's stream. */
    private final class JGraph implements Graph {
        private final CUgraph graph;
        private final CUgraphExec exec;
        private boolean destroyed;

        JGraph(CUgraph graph, CUgraphExec exec) {
            this.graph = graph;
            this.exec = exec;
        }

        @Override
        public void replay() {
            if (destroyed) throw new IllegalStateException("the graph is closed");
            call(() -> "cuGraphLaunch", () -> cuGraphLaunch(exec, stream));
        }

        @Override
        public void close() {
            if (destroyed) return;
            destroyed = true;
            call(() -> "cuGraphExecDestroy/cuGraphDestroy", () -> {
                cuGraphExecDestroy(exec);
                cuGraphDestroy(graph);
            });
        }
    }
}
