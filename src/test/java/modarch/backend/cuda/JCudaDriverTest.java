package modarch.backend.cuda;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.io.InputStream;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

/**
 * {@link JCudaDriver} on a real GPU, with the test kernel of jcuda_test.cu (PTX beside it, JIT-compiled by the
 * driver): skipped, with the probe's reason, where no GPU is usable.
 */
@Tag("gpu")
class JCudaDriverTest {
    private JCudaDriver driver;

    @BeforeEach
    void open() throws IOException {
        CudaProbe probe = CudaProbe.get();
        Assumptions.assumeTrue(probe.usable(), probe.reason());
        driver = new JCudaDriver(0, testPtx());
    }

    @AfterEach
    void close() {
        if (driver != null) driver.close();
    }

    /** The PTX of jcuda_test.cu, NUL-terminated as cuModuleLoadData wants text. */
    private static byte[] testPtx() throws IOException {
        try (InputStream in = JCudaDriverTest.class.getResourceAsStream("/modarch/cuda/jcuda_test.ptx")) {
            byte[] text = in.readAllBytes();
            return Arrays.copyOf(text, text.length + 1);
        }
    }

    @Test
    void describesTheDevice() {
        assertTrue(driver.describe().matches(".+ \\(sm_\\d+, .+B\\)"), driver.describe());
    }

    @Test
    void copiesRoundTripWithOffsets() {
        long floats = driver.malloc(4 * 8);
        long ints = driver.malloc(4 * 8);
        assertEquals(0, floats % 256);
        driver.copyToDevice(new float[] {9, 1.5f, -2, 3e30f, Float.NaN, 0}, 1, floats, 5);
        driver.copyToDevice(new int[] {7, -1, Integer.MIN_VALUE}, 0, ints, 3);
        float[] f = new float[7];
        int[] i = new int[4];
        driver.copyToHost(floats, f, 2, 5);
        driver.copyToHost(ints, i, 1, 3);
        assertArrayEquals(new float[] {0, 0, 1.5f, -2, 3e30f, Float.NaN, 0}, f);
        assertArrayEquals(new int[] {0, 7, -1, Integer.MIN_VALUE}, i);
        driver.free(floats);
        driver.free(ints);
    }

    @Test
    void fill32SetsWords() {
        long p = driver.malloc(4 * 1000);
        driver.fill32(p, Float.floatToRawIntBits(0.25f), 1000);
        float[] f = new float[1000];
        driver.copyToHost(p, f, 0, 1000);
        float[] expected = new float[1000];
        Arrays.fill(expected, 0.25f);
        assertArrayEquals(expected, f);
        driver.free(p);
    }

    @Test
    void launchesWithEveryKindOfArgument() {
        int n = 1000;
        long x = driver.malloc(4L * n);
        long y = driver.malloc(4L * n);
        float[] host = new float[n];
        for (int k = 0; k < n; k++) host[k] = k;
        driver.copyToDevice(host, 0, x, n);
        CudaDriver.Kernel axpb = driver.kernel("axpb");
        assertEquals(axpb, driver.kernel("axpb"));
        driver.launch(axpb, (n + 255) / 256, 1, 1, 256, 1, 1, 0,
                KernelArgs.of().ptr(y).ptr(x).f(2).i(n).l(3).d(0.5));
        float[] out = new float[n];
        driver.copyToHost(y, out, 0, n);
        for (int k = 0; k < n; k++) assertEquals(2f * k + 3.5f, out[k], "y[" + k + "]");
        driver.free(x);
        driver.free(y);
    }

    /**
     * One driver per GPU (cuda:all; a second one on GPU 0 where there is one GPU), used in turn by one thread: each
     * call runs in its own device's context, so each launch finds its module and memory.
     */
    @Test
    void oneDriverPerGpuServesOneThreadInTurn() throws IOException {
        int gpus = CudaProbe.get().devices().size();
        List<JCudaDriver> drivers = new ArrayList<>(List.of(driver));
        try {
            for (int g = gpus == 1 ? 0 : 1; g < gpus; g++) drivers.add(new JCudaDriver(g, testPtx()));
            int n = 300;
            long[] x = new long[drivers.size()];
            long[] y = new long[drivers.size()];
            for (int d = 0; d < drivers.size(); d++) {
                x[d] = drivers.get(d).malloc(4L * n);
                y[d] = drivers.get(d).malloc(4L * n);
                float[] host = new float[n];
                Arrays.fill(host, d);
                drivers.get(d).copyToDevice(host, 0, x[d], n);
            }
            for (int d = drivers.size() - 1; d >= 0; d--) {
                JCudaDriver on = drivers.get(d);
                on.launch(on.kernel("axpb"), (n + 255) / 256, 1, 1, 256, 1, 1, 0,
                        KernelArgs.of().ptr(y[d]).ptr(x[d]).f(2).i(n).l(1).d(0));
            }
            for (int d = 0; d < drivers.size(); d++) {
                float[] out = new float[n];
                drivers.get(d).copyToHost(y[d], out, 0, n);
                float[] expected = new float[n];
                Arrays.fill(expected, 2f * d + 1);
                assertArrayEquals(expected, out, "device " + d);
                drivers.get(d).free(x[d]);
                drivers.get(d).free(y[d]);
            }
        } finally {
            for (JCudaDriver other : drivers.subList(1, drivers.size())) other.close();
        }
    }

    @Test
    void aCapturedGraphReplaysItsFillsAndLaunches() {
        int n = 256;
        long x = driver.malloc(4L * n);
        long y = driver.malloc(4L * n);
        CudaDriver.Kernel axpb = driver.kernel("axpb");
        driver.beginCapture();
        driver.fill32(x, Float.floatToRawIntBits(1f), n);
        driver.launch(axpb, 1, 1, 1, n, 1, 1, 0, KernelArgs.of().ptr(y).ptr(x).f(3).i(n).l(0).d(1));
        try (CudaDriver.Graph graph = driver.endCapture()) {
            float[] out = new float[n];
            driver.fill32(y, 0, n);
            graph.replay();
            driver.copyToHost(y, out, 0, n);
            float[] expected = new float[n];
            Arrays.fill(expected, 4f);
            assertArrayEquals(expected, out);
            driver.fill32(y, 0, n);
            graph.replay();
            driver.copyToHost(y, out, 0, n);
            assertArrayEquals(expected, out);
        }
        driver.free(x);
        driver.free(y);
    }

    @Test
    void outOfMemoryIsACudaExceptionNamingTheCall() {
        CudaException e = assertThrows(CudaException.class, () -> driver.malloc(1L << 50));
        assertEquals("cuMemAlloc of 1024 TiB failed: CUDA_ERROR_OUT_OF_MEMORY", e.getMessage());
    }

    @Test
    void aMissingKernelIsACudaExceptionNamingIt() {
        CudaException e = assertThrows(CudaException.class, () -> driver.kernel("no_such_kernel"));
        assertTrue(e.getMessage().contains("'no_such_kernel'") && e.getMessage().contains("CUDA_ERROR_NOT_FOUND"),
                e.getMessage());
    }

    @Test
    void opensWithModarchsKernelsWhenTheBuildHasThem() {
        Assumptions.assumeTrue(KernelImage.class.getResource(KernelImage.RESOURCE) != null,
                KernelImage.RESOURCE + " is not in this build");
        try (JCudaDriver withKernels = JCudaDriver.open(0)) {
            assertEquals(driver.describe(), withKernels.describe());
        }
    }
}
