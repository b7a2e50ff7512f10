package modarch.backend.cpu;

import modarch.backend.FloatBuf;
import modarch.backend.IntBuf;
import modarch.backend.Precision;
import modarch.backend.ops.ColumnSumAccumulate;

/**
 * {@link modarch.backend.ops.GemmSegmented} and {@link modarch.backend.ops.GemmSegmentedWeightGrad} on a CPU backend: the segments' bounds
 * are host memory, so each non-empty (replica, module) segment is one product of the backend's own {@link GemmKernel}. Plain loops,
 * no lambdas: a training step allocates nothing.
 */
public final class SegmentedGemm {
    private SegmentedGemm() {
    }

    public static void forward(GemmKernel gemm, Precision precision, int rep, int modules, IntBuf starts, int slots,
                               boolean transW, int n, int kdim, FloatBuf a, FloatBuf w, int wOff, int ldw,
                               int wModuleStride, int wRepStride, FloatBuf c, FloatBuf bias, int biasOff,
                               int biasModuleStride, int biasRepStride, boolean relu) {
        int[] bounds = HostIntBuf.array(starts); // bounds is (rep, R + 1)
        for (int r = 0; r < rep; r++) {
            for (int m = 0; m < modules; m++) {
                int at = r * (modules + 1) + m;
                int count = bounds[at + 1] - bounds[at];
                if (count == 0) continue;
                int row = r * slots + bounds[at];
                // c_seg (count, n) = act(a_seg (count, kdim) . op(w_m) (kdim, n) + bias_m)
                gemm.gemm(precision, false, transW, count, n, kdim, HostFloatBuf.array(a), row * kdim, kdim,
                        HostFloatBuf.array(w), wOff + r * wRepStride + m * wModuleStride, ldw, HostFloatBuf.array(c),
                        row * n, n, false, HostFloatBuf.array(bias),
                        bias == null ? 0 : biasOff + r * biasRepStride + m * biasModuleStride, relu);
            }
        }
    }

    public static void weightGrad(GemmKernel gemm, Precision precision, int rep, int modules, IntBuf starts,
                                  int slots, int n, int kdim, FloatBuf a, FloatBuf d, FloatBuf gw, int wOff, int ldw,
                                  int wModuleStride, int wRepStride, FloatBuf gb, int biasOff, int biasModuleStride,
                                  int biasRepStride) {
        int[] bounds = HostIntBuf.array(starts); // bounds is (rep, R + 1)
        for (int r = 0; r < rep; r++) {
            for (int m = 0; m < modules; m++) {
                int at = r * (modules + 1) + m;
                int count = bounds[at + 1] - bounds[at];
                if (count == 0) continue;
                int row = r * slots + bounds[at];
                // gw_m (kdim, n) += a_seg^T (kdim, count) . d_seg (count, n)
                gemm.gemm(precision, true, false, kdim, n, count, HostFloatBuf.array(a), row * kdim, kdim,
                        HostFloatBuf.array(d), row * n, n, HostFloatBuf.array(gw),
                        wOff + r * wRepStride + m * wModuleStride, ldw, true, null, 0, false);
                if (gb != null) {
                    ColumnSumAccumulate.item(count, n, HostFloatBuf.array(d), row * n, n, HostFloatBuf.array(gb),
                            biasOff + r * biasRepStride + m * biasModuleStride);
                }
            }
        }
    }
}
