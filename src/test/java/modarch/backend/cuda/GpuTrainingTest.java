package modarch.backend.cuda;

import modarch.backend.Backend;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Tag;

/** {@link CudaTrainingContract} on GPU 0; every test skips, with the reason, where no GPU is usable. */
@Tag("gpu")
class GpuTrainingTest extends CudaTrainingContract {
    private static CudaBackend backend;

    @BeforeAll
    static void open() {
        backend = Devices.gpu();
    }

    @AfterAll
    static void close() {
        if (backend != null) backend.close();
    }

    @Override
    Backend device() {
        return backend;
    }
}
