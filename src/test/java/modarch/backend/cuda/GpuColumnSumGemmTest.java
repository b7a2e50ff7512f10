package modarch.backend.cuda;

import org.junit.jupiter.api.Tag;

/** {@link ColumnSumGemmContract} on GPU 0; every test skips, with the reason, where none is usable. */
@Tag("gpu")
class GpuColumnSumGemmTest extends ColumnSumGemmContract {
    @Override
    CudaBackend open() {
        return Devices.gpu();
    }
}
