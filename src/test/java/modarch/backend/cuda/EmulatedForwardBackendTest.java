package modarch.backend.cuda;

import modarch.backend.Backend;
import modarch.backend.cuda.emu.Schedule;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;

/** {@link CudaBackendContract} on the emulated device, threads of a block resumed in forward order. */
class EmulatedForwardBackendTest extends CudaBackendContract {
    private static CudaBackend backend;

    @BeforeAll
    static void open() {
        backend = Devices.emulated(Schedule.FORWARD);
    }

    @AfterAll
    static void close() {
        backend.close();
    }

    @Override
    Backend device() {
        return backend;
    }
}
