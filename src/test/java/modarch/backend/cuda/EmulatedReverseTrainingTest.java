package modarch.backend.cuda;

import modarch.backend.Backend;
import modarch.backend.cuda.emu.Schedule;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;

/** {@link CudaTrainingContract} on the emulated device, threads of a block resumed in reverse order. */
class EmulatedReverseTrainingTest extends CudaTrainingContract {
    private static CudaBackend backend;

    @BeforeAll
    static void open() {
        backend = Devices.emulated(Schedule.REVERSE);
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
