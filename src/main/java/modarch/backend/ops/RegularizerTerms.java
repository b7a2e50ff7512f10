package modarch.backend.ops;

import modarch.backend.FloatBuf;
import modarch.backend.Mat;
import modarch.backend.Op;
import modarch.backend.cpu.Host;
import modarch.backend.cpu.Parallel;
import modarch.backend.cuda.Gpu;
import modarch.backend.cuda.KernelArgs;
import modarch.backend.cuda.KernelGeometry;

/**
 * The routing regularisers against collapse, per replica over its rows (examples, tokens or steps). logits z and
 * probs p = softmax(z) are (rep, rows, R), contiguous. Writes terms (rep, 3), the unweighted terms of each replica:
 * <ul>
 * <li>[0] load balance (Switch Transformer): {@code R sum_m f_m P_m}, f_m the fraction of rows whose largest p is
 * module m (ties to the lower index), P_m the mean of p[., m];
 * <li>[1] router z-loss (ST-MoE): {@code mean over rows of logsumexp(z)^2};
 * <li>[2] mutual information between row and module: {@code H(P) - mean over rows of H(p)}, natural logs, 0 log 0 = 0;
 * </ul>
 * and adds to gradLogits (rep, rows, R) the exact gradient with respect to z of
 * {@code loadBalance * [0] + zLoss * [1] - miLoss * [2]} (f held constant, as Switch does; p's gradient through the
 * softmax). Terms are summed in double on the CPU ({@link ScalarRouterRegularizers}). On the GPU (R at most
 * ROUTER_MAX_MODULES): router_reg.cu, one block per replica, a segment of lanes per row (R rounded up to a power of
 * 2, at most 32), first for f, P and the rows' sums, then, when a weight is not 0, for the gradient.
 */
public final class RegularizerTerms implements Op {
    private final int rep;
    private final int rows;
    private final int modules;
    private final Mat logits;     // logits is (rep * rows, R)
    private final Mat probs;      // probs is (rep * rows, R)
    private final float loadBalance;
    private final float zLoss;
    private final float miLoss;
    private final Mat terms;      // terms is (rep, 3)
    private final Mat gradLogits; // gradLogits is (rep * rows, R)

    public RegularizerTerms(int rep, int rows, int modules, FloatBuf logits, FloatBuf probs, float loadBalance,
                            float zLoss, float miLoss, FloatBuf terms, FloatBuf gradLogits) {
        if (rep < 0 || rows < 1 || modules < 1 || (long) rep * rows * modules > Integer.MAX_VALUE) {
            throw new IllegalArgumentException("router regularisers over " + rep + " replicas of " + rows + " rows of "
                    + modules + " modules: rows and modules must be at least 1");
        }
        this.rep = rep;
        this.rows = rows;
        this.modules = modules;
        this.logits = Mat.of("logits", logits, 0, rep * rows, modules);
        this.probs = Mat.of("probs", probs, 0, rep * rows, modules);
        this.loadBalance = loadBalance;
        this.zLoss = zLoss;
        this.miLoss = miLoss;
        this.terms = Mat.of("terms", terms, 0, rep, 3);
        this.gradLogits = Mat.of("gradLogits", gradLogits, 0, rep * rows, modules);
    }

    /** Whether this op regularises these rows of these buffers. */
    public boolean covers(int rows, FloatBuf logits, FloatBuf probs) {
        return this.rows == rows && this.logits.buf() == logits && this.probs.buf() == probs;
    }

    @Override
    public void reference(Parallel pool) {
        ScalarRouterRegularizers.run(rep, rows, modules, Host.floats(logits), Host.floats(probs), loadBalance, zLoss,
                miLoss, Host.floats(terms), Host.floats(gradLogits));
    }

    @Override
    public void launch(Gpu gpu) {
        if (modules > KernelGeometry.ROUTER_MAX_MODULES) {
            throw new IllegalArgumentException("the router regularisers on the GPU take 1 to "
                    + KernelGeometry.ROUTER_MAX_MODULES + " modules, not " + modules);
        }
        if (rep == 0) return;
        gpu.launch("router_regularizers", Math.min(rep, Gpu.MAX_BLOCKS), 1, 1, 32 * KernelGeometry.ROUTER_WARPS, 0,
                KernelArgs.of().i(rep).i(rows).i(modules).ptr(gpu.at(logits)).ptr(gpu.at(probs)).f(loadBalance)
                        .f(zLoss).f(miLoss).ptr(gpu.at(terms)).ptr(gpu.at(gradLogits)));
    }
}
