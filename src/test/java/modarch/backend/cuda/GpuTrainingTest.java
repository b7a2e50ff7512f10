package modarch.backend.cuda;

import org.junit.jupiter.api.Tag;

/** {@link CudaTrainingContract} on GPU 0; every test skips, with the reason, where no GPU is usable. */
@Tag("gpu")
class GpuTrainingTest extends CudaTrainingContract {
    @Override
    CudaBackend open() {
        return Devices.gpu();
    }
}
