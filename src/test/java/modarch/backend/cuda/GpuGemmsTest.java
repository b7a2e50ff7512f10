package modarch.backend.cuda;

import org.junit.jupiter.api.Tag;

/** {@link GemmsContract} on GPU 0; every test skips, with the reason, where none is usable. */
@Tag("gpu")
class GpuGemmsTest extends GemmsContract {
    @Override
    CudaBackend open() {
        return Devices.gpu();
    }
}
