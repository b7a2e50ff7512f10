package modarch.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.PrintWriter;
import java.io.StringWriter;
import java.util.List;
import modarch.backend.cuda.CudaDriver;
import modarch.backend.cuda.CudaException;
import modarch.backend.cuda.CudaProbe;
import modarch.backend.cuda.KernelImage;
import org.junit.jupiter.api.Test;

/** `modarch devices` lists what --device can choose, GPU or not; a CUDA failure is one line and exit 1. */
class DevicesCommandTest {

    @Test
    void listsTheGpusOrWhyNoneThenTheCpuBackendsAndTheEmulatedDevice() {
        CliTest.Result result = CliTest.run("devices");
        assertEquals(0, result.code(), result.err());
        assertEquals("", result.err());
        List<String> lines = result.out().lines().toList();
        CudaProbe probe = CudaProbe.get();
        if (probe.devices().isEmpty()) {
            assertEquals("cuda: no GPU: " + probe.reason(), lines.get(0));
        } else {
            assertTrue(lines.get(0).startsWith("cuda:0: " + probe.devices().get(0).name() + ", "), lines.get(0));
        }
        assertTrue(lines.stream().anyMatch(l -> l.matches("cpu-vector: (\\d+ threads, \\d+-bit vectors \\(\\d+ floats\\)"
                + "|unavailable .*)")), result.out());
        assertTrue(lines.contains("cpu-scalar: 1 thread, the reference every backend agrees with"), result.out());
        assertTrue(lines.stream().anyMatch(l -> l.startsWith("cuda-emulated: ")), result.out());
        assertEquals("kernels: " + KernelImage.REQUIREMENT, lines.get(lines.size() - 1));
    }

    @Test
    void aCudaFailureIsOneLineAndExit1() {
        CudaDriver failing = (CudaDriver) java.lang.reflect.Proxy.newProxyInstance(getClass().getClassLoader(),
                new Class<?>[] {CudaDriver.class}, (proxy, method, args) -> {
                    throw new CudaException("cuMemAlloc of 8 GiB failed: CUDA_ERROR_OUT_OF_MEMORY");
                });
        CudaException thrown = org.junit.jupiter.api.Assertions.assertThrows(CudaException.class,
                () -> failing.malloc(8L << 30));
        StringWriter err = new StringWriter();
        assertEquals(Main.EXIT_ENVIRONMENT, Main.failure(thrown, new PrintWriter(err, true)));
        assertEquals("modarch: error: CUDA: cuMemAlloc of 8 GiB failed: CUDA_ERROR_OUT_OF_MEMORY" + System.lineSeparator(),
                err.toString());
    }
}
