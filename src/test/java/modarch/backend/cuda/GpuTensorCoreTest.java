package modarch.backend.cuda;

import org.junit.jupiter.api.Tag;

/** {@link TensorCoreGemmContract} on GPU 0 (sm_80 or newer); every test skips, with the reason, where none is usable. */
@Tag("gpu")
class GpuTensorCoreTest extends TensorCoreGemmContract {
    @Override
    CudaBackend open() {
        return Devices.gpu();
    }

    @Override
    boolean fixedOrder() {
        return false;
    }
}
