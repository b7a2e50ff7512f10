package modarch.backend.cuda.emu;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import modarch.backend.cuda.CudaDriver;
import modarch.backend.cuda.CudaException;
import modarch.backend.cuda.KernelArgs;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/** The emulated device runs the self-test kernels of kernels/emu_selftest.cu like plain Java, in both schedules. */
class EmulatedDriverTest {

    @ParameterizedTest
    @EnumSource(Schedule.class)
    void matmulMatchesJavaOnOddShapes(Schedule schedule) {
        try (EmulatedDriver d = new EmulatedDriver(schedule)) {
            int[][] shapes = {{1, 1, 1}, {17, 5, 33}, {3, 40, 0}, {0, 7, 9}, {31, 18, 16}};
            for (int[] s : shapes) {
                int m = s[0], n = s[1], k = s[2];
                float[] a = random(m * k, 1), b = random(k * n, 2);
                assertArrayEquals(javaMatmul(a, b, m, n, k), SelftestKernels.matmul(d, a, b, m, n, k), 1e-4f,
                        m + "x" + n + "x" + k);
            }
        }
    }

    @ParameterizedTest
    @EnumSource(Schedule.class)
    void rowSumMatchesJava(Schedule schedule) {
        try (EmulatedDriver d = new EmulatedDriver(schedule)) {
            int[][] shapes = {{1, 1}, {5, 0}, {3, 37}, {7, 1000}, {0, 4}};
            for (int[] s : shapes) {
                int rows = s[0], cols = s[1];
                float[] x = random(rows * cols, 3);
                float[] want = new float[rows];
                for (int r = 0; r < rows; r++) {
                    for (int c = 0; c < cols; c++) {
                        want[r] += x[r * cols + c];
                    }
                }
                for (int warps : new int[] {1, 3}) {
                    assertArrayEquals(want, SelftestKernels.rowSum(d, x, rows, cols, warps), 1e-3f,
                            rows + "x" + cols + ", " + warps + " warps");
                }
            }
        }
    }

    @ParameterizedTest
    @EnumSource(Schedule.class)
    void atomicSumMatchesJava(Schedule schedule) {
        try (EmulatedDriver d = new EmulatedDriver(schedule)) {
            for (int n : new int[] {0, 1, 33, 1001}) {
                float[] x = random(n, 4);
                double want = 0;
                for (float v : x) {
                    want += v;
                }
                assertEquals(want, SelftestKernels.atomicSum(d, x, 3, 64), 1e-3, "n " + n);
            }
        }
    }

    /** cp.async's bytes land at the cp.async.wait_group that leaves fewer groups pending, not before. */
    @ParameterizedTest
    @EnumSource(Schedule.class)
    void asyncCopiesLandAtTheirWait(Schedule schedule) {
        try (EmulatedDriver d = new EmulatedDriver(schedule)) {
            float[] src = random(64, 5);
            float[] want = new float[128];
            for (int t = 0; t < 32; t++) {
                want[t] = -1;             // before any wait
                want[32 + t] = src[t];    // wait_group 1: the first group
                want[64 + t] = -1;        // the second still pending
                want[96 + t] = src[32 + t];
            }
            assertArrayEquals(want, SelftestKernels.cpAsync(d, src));
        }
    }

    @Test
    void aSignatureMismatchNamesKernelAndBothSignatures() {
        try (EmulatedDriver d = new EmulatedDriver(Schedule.FORWARD)) {
            CudaDriver.Kernel k = d.kernel("selftest_atomic_sum");
            CudaException e = assertThrows(CudaException.class,
                    () -> d.launch(k, 1, 1, 1, 32, 1, 1, 0, KernelArgs.of().ptr(0).ptr(0).f(3)));
            assertEquals("selftest_atomic_sum: expects arguments (ppi), given (ppf)", e.getMessage());
        }
    }

    @Test
    void anUnknownKernelIsACudaException() {
        try (EmulatedDriver d = new EmulatedDriver(Schedule.FORWARD)) {
            CudaException e = assertThrows(CudaException.class, () -> d.kernel("no_such_kernel"));
            assertTrue(e.getMessage().contains("no_such_kernel"), e.getMessage());
        }
    }

    @Test
    void aCapturedLaunchRunsOnlyAtEachReplay() {
        try (EmulatedDriver d = new EmulatedDriver(Schedule.FORWARD)) {
            long one = d.malloc(4), counter = d.malloc(4);
            d.copyToDevice(new float[] {1}, 0, one, 1);
            d.fill32(counter, 0, 1);
            d.beginCapture();
            d.launch(d.kernel("selftest_atomic_sum"), 1, 1, 1, 32, 1, 1, 0, KernelArgs.of().ptr(one).ptr(counter).i(1));
            try (CudaDriver.Graph g = d.endCapture()) {
                assertArrayEquals(new float[] {0}, read(d, counter, 1));
                for (int i = 0; i < 3; i++) {
                    g.replay();
                }
            }
            assertArrayEquals(new float[] {3}, read(d, counter, 1));
            d.free(one);
            d.free(counter);
        }
    }

    @ParameterizedTest
    @EnumSource(Schedule.class)
    void aDeadlockIsReportedNotAHang(Schedule schedule) {
        try (EmulatedDriver d = new EmulatedDriver(schedule)) {
            long out = d.malloc(4 * 32);
            CudaException e = assertThrows(CudaException.class,
                    () -> d.launch(d.kernel("selftest_deadlock"), 2, 1, 1, 32, 1, 1, 0, KernelArgs.of().ptr(out)));
            assertTrue(e.getMessage().startsWith("selftest_deadlock: deadlock"), e.getMessage());
            d.free(out);
        }
    }

    @Test
    void anInvalidLaunchOrCopyIsACudaException() {
        try (EmulatedDriver d = new EmulatedDriver(Schedule.FORWARD)) {
            long p = d.malloc(16);
            CudaDriver.Kernel k = d.kernel("selftest_atomic_sum");
            KernelArgs args = KernelArgs.of().ptr(p).ptr(p).i(0);
            assertThrows(CudaException.class, () -> d.launch(k, 1, 1, 1, 2048, 1, 1, 0, args));
            assertThrows(CudaException.class, () -> d.launch(k, 0, 1, 1, 32, 1, 1, 0, args));
            assertThrows(CudaException.class, () -> d.copyToDevice(new float[5], 0, p, 5));
            assertThrows(CudaException.class, () -> d.copyToHost(p + 8, new int[3], 0, 3));
            d.free(p);
        }
    }

    @Test
    void describeNamesWorkersAndOrder() {
        try (EmulatedDriver d = new EmulatedDriver(Schedule.REVERSE, 3)) {
            assertEquals("emulated CUDA device (3 worker threads, reverse order)", d.describe());
        }
    }

    /** Drivers of both schedules, shared by 4 Java threads at once: launches take turns, results stay right. */
    @Test
    void concurrentLaunchesFromSeveralThreadsAreSafe() throws Exception {
        ExecutorService pool = Executors.newFixedThreadPool(4);
        try (EmulatedDriver forward = new EmulatedDriver(Schedule.FORWARD);
             EmulatedDriver reverse = new EmulatedDriver(Schedule.REVERSE)) {
            List<Future<?>> done = new ArrayList<>();
            for (int t = 0; t < 8; t++) {
                EmulatedDriver d = t % 2 == 0 ? forward : reverse;
                int m = 9 + t;
                done.add(pool.submit(() -> {
                    float[] a = random(m * 20, m), b = random(20 * 13, m + 1);
                    assertArrayEquals(javaMatmul(a, b, m, 13, 20), SelftestKernels.matmul(d, a, b, m, 13, 20), 1e-4f);
                }));
            }
            for (Future<?> f : done) {
                f.get();
            }
        } finally {
            pool.shutdown();
        }
    }

    /** Several emulated devices in one JVM (cuda-emulated:all): each holds its own memory and refuses another's. */
    @Test
    void eachDeviceHasMemoryOfItsOwn() {
        try (EmulatedDriver first = new EmulatedDriver(Schedule.FORWARD);
             EmulatedDriver second = new EmulatedDriver(Schedule.FORWARD)) {
            long a = first.malloc(16), b = second.malloc(16);
            first.copyToDevice(new float[] {1, 2, 3, 4}, 0, a, 4);
            second.copyToDevice(new float[] {5, 6, 7, 8}, 0, b, 4);
            assertArrayEquals(new float[] {1, 2, 3, 4}, read(first, a, 4));
            assertArrayEquals(new float[] {5, 6, 7, 8}, read(second, b, 4));
            CudaException e = assertThrows(CudaException.class, () -> read(second, a, 4));
            assertTrue(e.getMessage().contains("not inside one allocation of this emulated device"), e.getMessage());
            assertThrows(CudaException.class, () -> first.copyToDevice(new float[4], 0, b, 4));
            first.free(a);
            second.free(b);
        }
    }

    private static float[] read(CudaDriver d, long p, int n) {
        float[] out = new float[n];
        d.copyToHost(p, out, 0, n);
        return out;
    }

    static float[] random(int n, long seed) {
        Random r = new Random(seed);
        float[] x = new float[n];
        for (int i = 0; i < n; i++) {
            x[i] = r.nextFloat() * 2 - 1;
        }
        return x;
    }

    /** [m x n] = a [m x k] * b [k x n], row-major. */
    private static float[] javaMatmul(float[] a, float[] b, int m, int n, int k) {
        float[] c = new float[m * n];
        for (int i = 0; i < m; i++) {
            for (int j = 0; j < n; j++) {
                float s = 0;
                for (int p = 0; p < k; p++) {
                    s += a[i * k + p] * b[p * n + j];
                }
                c[i * n + j] = s;
            }
        }
        return c;
    }
}
