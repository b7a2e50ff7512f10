package modarch.backend.cpu;

import modarch.backend.Backend;
import modarch.backend.FloatBuf;
import modarch.backend.IntBuf;

/**
 * {@link Backend#gemmSegmented} and {@link Backend#gemmSegmentedWeightGrad} on a CPU backend: the segments' bounds
 * are host memory, so each non-empty (replica, module) segment is one product of the backend's own gemm.
 */
final class SegmentedGemm {
    private SegmentedGemm() {
    }

    /** One non-empty segment: replica r, module m, its first row in (rep * slots) rows and its row count. */
    private interface Segment {
        void run(int r, int m, int row, int count);
    }

    private static void forEachSegment(int rep, int modules, IntBuf starts, int slots, Segment body) {
        int[] bounds = HostIntBuf.array(starts);
        for (int r = 0; r < rep; r++) {
            for (int m = 0; m < modules; m++) {
                int from = bounds[r * (modules + 1) + m];
                int count = bounds[r * (modules + 1) + m + 1] - from;
                if (count > 0) body.run(r, m, r * slots + from, count);
            }
        }
    }

    static void forward(Backend backend, int rep, int modules, IntBuf starts, int slots, boolean transW, int n,
                        int kdim, FloatBuf a, FloatBuf w, int wOff, int ldw, int wModuleStride, int wRepStride,
                        FloatBuf c, FloatBuf bias, int biasOff, int biasModuleStride, int biasRepStride, boolean relu) {
        // c_seg (count, n) = act(a_seg (count, kdim) . op(w_m) (kdim, n) + bias_m)
        forEachSegment(rep, modules, starts, slots, (r, m, row, count) -> backend.gemm(false, transW, count, n, kdim,
                a, row * kdim, kdim, w, wOff + r * wRepStride + m * wModuleStride, ldw, c, row * n, n, false,
                bias, bias == null ? 0 : biasOff + r * biasRepStride + m * biasModuleStride, relu));
    }

    static void weightGrad(Backend backend, int rep, int modules, IntBuf starts, int slots, int n, int kdim,
                           FloatBuf a, FloatBuf d, FloatBuf gw, int wOff, int ldw, int wModuleStride, int wRepStride,
                           FloatBuf gb, int biasOff, int biasModuleStride, int biasRepStride) {
        forEachSegment(rep, modules, starts, slots, (r, m, row, count) -> {
            // gw_m (kdim, n) += a_seg^T (kdim, count) . d_seg (count, n)
            backend.gemm(true, false, kdim, n, count, a, row * kdim, kdim, d, row * n, n,
                    gw, wOff + r * wRepStride + m * wModuleStride, ldw, true, null, 0, false);
            if (gb != null) {
                backend.columnSumAccumulate(1, count, n, d, row * n, n, 0,
                        gb, biasOff + r * biasRepStride + m * biasModuleStride, 0);
            }
        });
    }
}
