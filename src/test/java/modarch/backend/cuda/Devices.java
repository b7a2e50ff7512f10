package modarch.backend.cuda;

import static org.junit.jupiter.api.Assumptions.assumeTrue;

import modarch.backend.cuda.emu.EmulatedDriver;
import modarch.backend.cuda.emu.Schedule;

/** The CUDA backends the contract tests run on: the emulated device in either thread order, or a real GPU. */
final class Devices {
    private Devices() {
    }

    static CudaBackend emulated(Schedule schedule) {
        return new CudaBackend(new EmulatedDriver(schedule), "cuda-emulated");
    }

    /** GPU 0; skips the test (an assumption, with the probe's reason) where none is usable. */
    static CudaBackend gpu() {
        CudaProbe probe = CudaProbe.get();
        assumeTrue(probe.usable(), () -> "no usable CUDA GPU: " + probe.reason());
        return new CudaBackend(JCudaDriver.open(0), "cuda");
    }
}
