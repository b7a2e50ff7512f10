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

    @Override
    boolean fixedOrder() {
        return false;
    }

    /** The (E512, D2048) MLP module's products: forward and input gradient (k 512 or 2048), weight gradients (k = rows). */
    @Test
    void moduleProductsAgree() {
        productsAgreeOn(new int[][] {{256, 2048, 512}, {256, 512, 2048}, {512, 2048, 256}, {2048, 512, 256}});
    }
}
