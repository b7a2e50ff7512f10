package modarch.backend.cuda;

import static modarch.backend.cuda.KernelAgreement.gaussian;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;

import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;
import modarch.backend.FloatBuf;
import modarch.backend.Precision;
import modarch.backend.TestOps;
import modarch.backend.ops.Gemm;
import modarch.backend.ops.Gemms;
import org.junit.jupiter.api.Test;

/**
 * Independent products as one op ({@link Gemms}): gemm_small's and gemm_medium's products four to a gemm_multi
 * launch, a gemm_tiled and a TF32 one in launches of their own, a lone one left over. Each product gets the bits of
 * its own launch, on every device (gemm_multi runs it through the same tile), and agrees with the CPU reference
 * within KernelAgreement's bounds (gemm_small splits k four ways, TF32 rounds its inputs).
 */
abstract class GemmsContract extends DeviceContract {
    /** (m, n, k, batch, transA, transB, accumulate, bias and ReLU, TF32): which kernel each takes is in its comment. */
    private static final int[][] PRODUCTS = {
        {40, 50, 300, 2, 1, 0, 0, 1, 0},   // gemm_small, long k
        {130, 200, 33, 1, 0, 1, 1, 0, 0},  // gemm_medium, edge tiles
        {257, 1000, 17, 1, 0, 0, 0, 1, 0}, // gemm_tiled: its own launch
        {33, 1, 70, 3, 1, 1, 1, 0, 0},     // gemm_small, one column
        {100, 70, 9, 2, 0, 0, 0, 1, 1},    // TF32: its own launch
        {65, 66, 20, 2, 1, 0, 1, 1, 0},    // gemm_medium: the fourth of the gemm_multi launch
        {10, 10, 10, 1, 0, 0, 0, 0, 0}};   // gemm_small: alone in a second chunk, its own launch

    private static Gemm product(int[] s, FloatBuf[] f, int first) {
        int m = s[0], n = s[1], k = s[2], batch = s[3];
        boolean transA = s[4] != 0, transB = s[5] != 0;
        int lda = transA ? m : k, ldb = transB ? k : n;
        return TestOps.gemmBatched(batch, transA, transB, m, n, k, f[first], 1, lda, m * k, f[first + 1], 0, ldb,
                k * n, f[first + 2], 2, n, m * n, s[6] != 0, s[7] != 0 ? f[first + 3] : null, 0, n, s[7] != 0)
                .precision(s[8] != 0 ? Precision.TF32 : Precision.FP32);
    }

    private static Gemms all(FloatBuf[] f) {
        List<Gemm> products = new ArrayList<>();
        for (int i = 0; i < PRODUCTS.length; i++) products.add(product(PRODUCTS[i], f, 4 * i));
        return new Gemms(products);
    }

    @Test
    void eachProductHasTheBitsOfItsOwnLaunch() {
        SplittableRandom rnd = new SplittableRandom(51);
        float[][] in = new float[4 * PRODUCTS.length][];
        for (int i = 0; i < PRODUCTS.length; i++) {
            int[] s = PRODUCTS[i];
            in[4 * i] = gaussian(rnd, s[3] * s[0] * s[2] + 1);
            in[4 * i + 1] = gaussian(rnd, s[3] * s[2] * s[1]);
            in[4 * i + 2] = gaussian(rnd, s[3] * s[0] * s[1] + 2);
            in[4 * i + 3] = gaussian(rnd, s[3] * s[1]);
        }
        KernelAgreement.check("gemms", device(), in, new int[0][], (be, f, i) -> be.run(all(f)));
        float[][] together = KernelAgreement.run(device(), in, new int[0][], (be, f, i) -> be.run(all(f))).floats();
        float[][] apart = KernelAgreement.run(device(), in, new int[0][], (be, f, i) -> {
            for (Gemm p : all(f).products()) be.run(p);
        }).floats();
        for (int j = 0; j < in.length; j++) assertArrayEquals(apart[j], together[j], "buffer " + j);
    }
}
