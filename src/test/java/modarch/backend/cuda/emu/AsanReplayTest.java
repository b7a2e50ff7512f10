package modarch.backend.cuda.emu;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Path;
import modarch.backend.cuda.KernelArgs;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The self-test kernels replay clean under AddressSanitizer, and an out-of-bounds launch does not. */
class AsanReplayTest {

    @Test
    void theSelftestKernelsOnOddShapesReplayClean(@TempDir Path dir) throws Exception {
        Path trace = dir.resolve("selftest.trace");
        try (EmulatedDriver d = new EmulatedDriver(Schedule.FORWARD)) {
            long before = d.malloc(12); // live before the trace: recorded with its contents
            d.copyToDevice(new float[] {1, 2, 3}, 0, before, 3);
            d.startTrace(trace);
            SelftestKernels.matmul(d, EmulatedDriverTest.random(17 * 33, 1), EmulatedDriverTest.random(33 * 5, 2),
                    17, 5, 33);
            SelftestKernels.matmul(d, new float[0], new float[0], 3, 4, 0);
            SelftestKernels.rowSum(d, EmulatedDriverTest.random(3 * 37, 3), 3, 37, 2);
            SelftestKernels.atomicSum(d, EmulatedDriverTest.random(33, 4), 2, 32);
            long out = d.malloc(4);
            d.fill32(out, 0, 1);
            d.launch(d.kernel("selftest_atomic_sum"), 1, 1, 1, 32, 1, 1, 0, KernelArgs.of().ptr(before).ptr(out).i(3));
            d.free(out);
            d.stopTrace();
            d.free(before);
        }
        AsanReplay.Result r = AsanReplay.run(trace);
        assertEquals(0, r.exitCode(), r.output());
    }

    @Test
    void anOutOfBoundsReadFailsTheReplayNamingTheKernelSource(@TempDir Path dir) throws Exception {
        Path trace = dir.resolve("oob.trace");
        try (EmulatedDriver d = new EmulatedDriver(Schedule.FORWARD)) {
            d.startTrace(trace);
            long x = d.malloc(4 * 7), out = d.malloc(4);
            d.fill32(x, 0, 7);
            d.fill32(out, 0, 1);
            // n = 8 for a buffer of 7 floats: harmless in the emulator (allocations have slack), caught by ASan
            d.launch(d.kernel("selftest_atomic_sum"), 1, 1, 1, 32, 1, 1, 0, KernelArgs.of().ptr(x).ptr(out).i(8));
            d.free(x);
            d.free(out);
            d.stopTrace();
        }
        AsanReplay.Result r = AsanReplay.run(trace);
        assertNotEquals(0, r.exitCode(), r.output());
        assertTrue(r.output().contains("heap-buffer-overflow") && r.output().contains("kernels/emu_selftest.cu:"),
                r.output());
    }
}
