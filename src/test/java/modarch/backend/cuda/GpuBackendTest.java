package modarch.backend.cuda;

import org.junit.jupiter.api.Tag;

/** {@link CudaBackendContract} on GPU 0; every test skips, with the reason, where no GPU is usable. */
@Tag("gpu")
class GpuBackendTest extends CudaBackendContract {
    @Override
    CudaBackend open() {
        return Devices.gpu();
    }
}
