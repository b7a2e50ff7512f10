package modarch.backend.ops;

import modarch.backend.FloatBuf;
import modarch.backend.IntBuf;
import modarch.backend.IntMat;
import modarch.backend.Mat;
import modarch.backend.Op;
import modarch.backend.cpu.Host;
import modarch.backend.cpu.Parallel;
import modarch.backend.cpu.TopKSelection;
import modarch.backend.cuda.Gpu;
import modarch.backend.cuda.KernelArgs;
import modarch.backend.cuda.KernelGeometry;

/**
 * Top-k routing: for each of m rows of n routing probabilities (probs (m, n)), the k highest (ties to the lower index;
 * a NaN ranks above every number, so a diverged run stays visible) are kept: chosen (m, k) gets their indices in
 * increasing order, gates (m, n) gets {@code p_j / s} at a kept j, s the float sum of the kept p in increasing index
 * order, and 0 elsewhere. 1 <= k <= n. On the GPU (n at most TOPK_MAX_MODULES): slot_dispatch.cu's routing_topk,
 * one warp per row, ranking by one comparison per pair of modules and compacting by ballot.
 */
public final class RoutingTopK implements Op {
    private static final ThreadLocal<TopKSelection> SELECTIONS = ThreadLocal.withInitial(TopKSelection::new);

    private final int m;
    private final int n;
    private final int k;
    private final Mat probs;   // probs is (m, n)
    private final Mat gates;   // gates is (m, n)
    private final IntMat chosen; // chosen is (m, k)

    public RoutingTopK(int m, int n, int k, FloatBuf probs, FloatBuf gates, IntBuf chosen) {
        if (m < 0 || n < 1 || k < 1 || k > n) {
            throw new IllegalArgumentException("top-" + k + " routing of " + n + " modules over " + m + " rows");
        }
        this.m = m;
        this.n = n;
        this.k = k;
        this.probs = Mat.of("probs", probs, 0, m, n);
        this.gates = Mat.of("gates", gates, 0, m, n);
        this.chosen = IntMat.of("chosen", chosen, 0, m, k);
    }

    /** The rows this op routes. */
    public int rows() {
        return m;
    }

    @Override
    public void reference(Parallel pool) {
        float[] probs = Host.floats(this.probs), gates = Host.floats(this.gates);
        int[] chosen = Host.ints(this.chosen);
        TopKSelection selection = SELECTIONS.get();
        for (int row = 0; row < m; row++) {
            int at = row * n;
            int kept = row * k;
            selection.select(probs, at, n, -1, k, chosen, kept);
            float sum = 0f;
            for (int j = 0; j < k; j++) sum += probs[at + chosen[kept + j]];
            java.util.Arrays.fill(gates, at, at + n, 0f);
            for (int j = 0; j < k; j++) {
                int module = chosen[kept + j];
                gates[at + module] = probs[at + module] / sum;
            }
        }
    }

    @Override
    public void launch(Gpu gpu) {
        if (n > KernelGeometry.TOPK_MAX_MODULES) {
            throw new IllegalArgumentException("top-k routing on the GPU takes 1 to " + KernelGeometry.TOPK_MAX_MODULES
                    + " modules, not " + n);
        }
        KernelArgs args = KernelArgs.of().i(m).i(n).i(k).ptr(gpu.at(probs)).ptr(gpu.at(gates)).ptr(gpu.at(chosen));
        if (m > 0) {
            int warps = KernelGeometry.TOPK_WARPS;
            gpu.launch("routing_topk", Gpu.blocksFor(m, warps), 1, 1, 32 * warps, 0, args);
        }
    }
}
