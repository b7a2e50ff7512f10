package modarch.backend.ops;

import static org.junit.jupiter.api.Assertions.assertEquals;

import org.junit.jupiter.api.Test;

/** The FP32 kernel an item's shape picks (the shapes TiledGemmContract tests are meant to reach each one). */
class GemmKernelTest {
    @Test
    void theShapePicksTheKernel() {
        assertEquals("gemm_small", Gemm.kernel(64, 64, false));
        assertEquals("gemm_small", Gemm.kernel(1, 4096, false));
        assertEquals("gemm_medium", Gemm.kernel(64, 64, true));
        assertEquals("gemm_medium", Gemm.kernel(65, 64, false));
        assertEquals("gemm_medium", Gemm.kernel(130, 200, false));
        assertEquals("gemm_medium", Gemm.kernel(256, 512, false)); // 8 tiles of 128 x 128
        assertEquals("gemm_medium", Gemm.kernel(384, 640, false)); // 15
        assertEquals("gemm_tiled", Gemm.kernel(512, 512, false)); // 16
        assertEquals("gemm_tiled", Gemm.kernel(257, 1000, false));
        assertEquals("gemm_tiled", Gemm.kernel(256, 2048, false));
        assertEquals("gemm_tiled", Gemm.kernel(2048, 512, false));
    }
}
