package modarch.backend.cuda.emu;

import modarch.backend.cuda.CudaDriver;
import modarch.backend.cuda.KernelArgs;

/** Runs the self-test kernels of kernels/emu_selftest.cu on a driver: host arrays in, host arrays out. */
final class SelftestKernels {
    private SelftestKernels() {
    }

    /** [m x n] = a [m x k] * b [k x n], row-major. */
    static float[] matmul(CudaDriver d, float[] a, float[] b, int m, int n, int k) {
        long da = upload(d, a), db = upload(d, b), dc = d.malloc(4L * m * n);
        d.launch(d.kernel("selftest_matmul"), Math.max(1, (n + 15) / 16), Math.max(1, (m + 15) / 16), 1, 16, 16, 1, 0,
                KernelArgs.of().ptr(da).ptr(db).ptr(dc).i(m).i(n).i(k));
        return downloadAndFree(d, dc, m * n, da, db);
    }

    /** [rows] = the sums of the rows of x [rows x cols], with blocks of 32 * warps threads. */
    static float[] rowSum(CudaDriver d, float[] x, int rows, int cols, int warps) {
        long dx = upload(d, x), out = d.malloc(4L * rows);
        d.launch(d.kernel("selftest_row_sum"), Math.max(1, rows), 1, 1, 32 * warps, 1, 1, 4 * warps,
                KernelArgs.of().ptr(dx).ptr(out).i(rows).i(cols));
        return downloadAndFree(d, out, rows, dx);
    }

    /** The sum of x, on a grid of blocks x threads. */
    static float atomicSum(CudaDriver d, float[] x, int blocks, int threads) {
        long dx = upload(d, x), out = d.malloc(4);
        d.fill32(out, 0, 1);
        d.launch(d.kernel("selftest_atomic_sum"), blocks, 1, 1, threads, 1, 1, 0,
                KernelArgs.of().ptr(dx).ptr(out).i(x.length));
        return downloadAndFree(d, out, 1, dx)[0];
    }

    /** selftest_cp_async over src [64]: [128], four reads of each thread's copies (the kernel's comment). */
    static float[] cpAsync(CudaDriver d, float[] src) {
        long dsrc = upload(d, src), out = d.malloc(4L * 128);
        d.launch(d.kernel("selftest_cp_async"), 1, 1, 1, 32, 1, 1, 0, KernelArgs.of().ptr(dsrc).ptr(out));
        return downloadAndFree(d, out, 128, dsrc);
    }

    private static long upload(CudaDriver d, float[] x) {
        long p = d.malloc(4L * x.length);
        d.copyToDevice(x, 0, p, x.length);
        return p;
    }

    private static float[] downloadAndFree(CudaDriver d, long result, int n, long... inputs) {
        float[] out = new float[n];
        d.copyToHost(result, out, 0, n);
        d.free(result);
        for (long p : inputs) {
            d.free(p);
        }
        return out;
    }
}
