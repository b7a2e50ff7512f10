package modarch.backend.cuda;

import modarch.backend.Backend;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.TestInstance;

/**
 * A set of tests run on one CUDA backend, opened before the first test and closed after the last; subclasses say
 * which device ({@link Devices}): the emulated device in either thread order, or a real GPU.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
abstract class DeviceContract {
    private CudaBackend backend;

    /** Opens the backend under test (a GPU test skips here, by an assumption, where there is none). */
    abstract CudaBackend open();

    @BeforeAll
    void openDevice() {
        backend = open();
    }

    @AfterAll
    void closeDevice() {
        if (backend != null) backend.close();
    }

    /** The backend under test. */
    Backend device() {
        return backend;
    }
}
