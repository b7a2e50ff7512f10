package modarch.backend.cuda;

import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

/** {@link TiledGemmContract} on GPU 0; every test skips, with the reason, where none is usable. */
@Tag("gpu")
class GpuTiledGemmTest extends TiledGemmContract {
    @Override
    CudaBackend open() {
        return Devices.gpu();
    }

    /** The (E512, D2048) module's products: forward and input gradients (k 512 or 2048), weight gradients (k 256). */
    @Test
    void moduleProductsAgree() {
        productsAgreeOn(new int[][] {{256, 2048, 512}, {256, 512, 2048}, {512, 2048, 256}, {2048, 512, 256}});
    }
}
