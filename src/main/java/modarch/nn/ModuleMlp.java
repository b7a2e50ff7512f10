package modarch.nn;

import java.util.ArrayList;
import java.util.List;
import modarch.backend.Backend;
import modarch.backend.FloatBuf;
import modarch.backend.IntBuf;
import modarch.backend.Mat;
import modarch.backend.ops.BlockDotAccumulate;
import modarch.backend.ops.ColumnSumAccumulate;
import modarch.backend.ops.ScaleBlocks;
import modarch.task.FastRandom;

/**
 * Routed modules as one op: GroupLinear(R, in, H) - ReLU - GroupLinear(R, H, D[+1]) named prefix.0 and prefix.2,
 * then the routing-weighted sum over modules. The input is shared by all modules (the MLP setting, H = floor(D / R))
 * or one block per module (the MHA setting's out_proj, H from the reference's parameter-matching formula).
 *
 * <p>The weighted sum is computed without materialising per-module outputs:
 * {@code sum_m s[m] (h[m] w2[m] + b2[m]) = (s*h) W2 + s B2}, where s*h scales each module's hidden
 * block by its score and W2 (R*H, D) stacks the modules' weights, one dense product per replica, all
 * replicas in one batched call. A self-scored router reads column D of w2/b2 (the reference's extra
 * "score" unit).
 *
 * <p>Under top-k routing ({@code router.topK() > 0}) the value path is {@link DispatchedModules}: each module runs on
 * the rows that chose it only.
 */
public final class ModuleMlp implements Core {
    private final Backend backend;
    private final int rep;
    private final int modules;
    private final int hidden;      // H
    private final int dim;         // D
    private final int width2;      // D + 1 when self-scored, else D
    private final Router router;
    private final GroupLinear first;  // prefix.0: (rep, rows, [R,] in) -> h (rep, rows, R, H), ReLU fused
    private final Param w2;           // prefix.2.w is (R, H, width2)
    private final Param b2;           // prefix.2.b is (1, R, width2)
    private final FloatBuf logits;           // logits is (rep, rows, R): the modules' own score units
    private final FloatBuf scaledHidden;     // scaledHidden is (rep, rows, R*H): s * h
    private final FloatBuf output;           // output is (rep, rows, D)
    private final FloatBuf gradOutput;       // gradOutput is (rep, rows, D)
    private final FloatBuf gradScaledHidden; // (rep, rows, R*H)
    private final FloatBuf gradScores;       // (rep, rows, R)
    private final FloatBuf gradLogits;       // (rep, rows, R)
    private final DispatchedModules dispatched; // the value path under top-k routing; null when dense
    private ScaleBlocks scaleHidden;       // s * h over the rows last run
    private ScaleBlocks scaleGrad;         // dh = s * d(s*h) over the rows last run
    private BlockDotAccumulate scoreDot;   // ds += h . d(s*h) over the rows last run
    private ColumnSumAccumulate scoreBiasGrad; // the score units' bias gradient over the rows last run
    private int rows;

    /** sharedInput: x is (rep, rows, in) for every module, else (rep, rows, R, in), one block per module. */
    public ModuleMlp(Workspace ws, String prefix, int modules, int in, int hidden, int dim, int maxRows,
                     boolean sharedInput, Router router) {
        this.backend = ws.backend();
        this.rep = ws.rep();
        this.modules = modules;
        this.hidden = hidden;
        this.dim = dim;
        this.router = router;
        this.width2 = router.source() == Router.Source.MODULE_INPUT ? dim + 1 : dim;
        this.first = new GroupLinear(ws, prefix + ".0", modules, in, hidden, maxRows, sharedInput, true);
        this.w2 = ws.params().add(prefix + ".2.w", modules, hidden, width2);
        this.b2 = ws.params().add(prefix + ".2.b", 1, modules, width2);
        this.logits = ws.floats((long) maxRows * modules);
        this.scaledHidden = ws.floats((long) maxRows * modules * hidden);
        this.output = ws.floats((long) maxRows * dim);
        this.gradOutput = ws.floats((long) maxRows * dim);
        this.gradScaledHidden = ws.floats((long) maxRows * modules * hidden);
        this.gradScores = ws.floats((long) maxRows * modules);
        this.gradLogits = ws.floats((long) maxRows * modules);
        this.dispatched = router.topK() == 0 ? null : new DispatchedModules(ws, modules, router.topK(), in, hidden,
                dim, width2, maxRows, sharedInput, !selfScored(), first, w2, b2);
    }

    private boolean selfScored() {
        return router.source() == Router.Source.MODULE_INPUT;
    }

    /** The reference's GroupLinearLayer init for both layers, U(+-sqrt(1/din)), then the router's. */
    @Override
    public void init(float[] replicaValues, FastRandom rng) {
        first.init(replicaValues, rng);
        double bound = Math.sqrt(1.0 / hidden);
        w2.initUniform(replicaValues, bound, rng);
        b2.initUniform(replicaValues, bound, rng);
        router.init(replicaValues, rng);
    }

    /**
     * x is (rep, rows, [R,] in); ruleContext (rep, rows, E) and rules (rep, rows) feed the router.
     * The result is in {@link #output()}, the routing scores in {@code router().scores()}.
     */
    @Override
    public void forward(FloatBuf x, FloatBuf ruleContext, IntBuf rules, int rows) {
        if (dispatched != null) {
            route(x, ruleContext, rules, rows);
            dispatched.forward(x, first.output(), router, rows, output);
            return;
        }
        if (!selfScored()) first.forward(x, rows);
        route(x, ruleContext, rules, rows);
        FloatBuf h = first.output();
        int rh = modules * hidden;
        int stride = w2.replicaStride();
        scaleHidden = ScaleBlocks.bind(scaleHidden, h, router.scores(), scaledHidden, rep * rows, modules, hidden);
        backend.run(scaleHidden);
        // output (rows, D) = (s*h) (rows, R*H) . W2[:, :D] (R*H, D) + s (rows, R) . B2[:, :D] (R, D)
        backend.gemmBatched(rep, false, false, rows, dim, rh,
                scaledHidden, 0, rh, rows * rh, w2.data(), w2.offset(0), width2, stride,
                output, 0, dim, rows * dim, false, null, 0, 0, false);
        backend.gemmBatched(rep, false, false, rows, dim, modules,
                router.scores(), 0, modules, rows * modules, b2.data(), b2.offset(0), width2, stride,
                output, 0, dim, rows * dim, true, null, 0, 0, false);
    }

    /**
     * Only the routing part of {@link #forward}: fills {@code router().scores()} without the
     * modules' outputs. x is read only when the modules score themselves.
     */
    public void route(FloatBuf x, FloatBuf ruleContext, IntBuf rules, int rows) {
        this.rows = rows;
        if (selfScored()) {
            first.forward(x, rows);
            int rh = modules * hidden;
            int stride = w2.replicaStride();
            // logits[:, m] (rows, 1) = h_m (rows, H) . w2[m][:, D] (H, 1) + b2[m][D], every replica and module
            backend.gemmGrouped(rep, rows * rh, stride, rows * modules, stride, modules, false, false, rows, 1, hidden,
                    first.output(), 0, rh, hidden,
                    w2.data(), w2.offset(0) + dim, width2, hidden * width2,
                    logits, 0, modules, 1,
                    false, b2.data(), b2.offset(0) + dim, width2, false);
        }
        router.forward(rows, ruleContext, rules, logits);
    }

    @Override
    public void backward(FloatBuf gradInput) {
        if (dispatched != null) {
            dispatchedBackward(gradInput);
            return;
        }
        FloatBuf h = first.output();
        FloatBuf gradH = first.gradOutput();
        FloatBuf scores = router.scores();
        int rh = modules * hidden;
        int stride = w2.replicaStride();
        // d(s*h) (rows, R*H) = dy (rows, D) . W2[:, :D]^T
        backend.gemmBatched(rep, false, true, rows, rh, dim,
                gradOutput, 0, dim, rows * dim, w2.data(), w2.offset(0), width2, stride,
                gradScaledHidden, 0, rh, rows * rh, false, null, 0, 0, false);
        // dW2[:, :D] += (s*h)^T . dy ; dB2[:, :D] += s^T . dy
        backend.gemmBatched(rep, true, false, rh, dim, rows,
                scaledHidden, 0, rh, rows * rh, gradOutput, 0, dim, rows * dim,
                w2.grad(), w2.offset(0), width2, stride, true, null, 0, 0, false);
        backend.gemmBatched(rep, true, false, modules, dim, rows,
                scores, 0, modules, rows * modules, gradOutput, 0, dim, rows * dim,
                b2.grad(), b2.offset(0), width2, stride, true, null, 0, 0, false);
        if (router.needsScoreGradient()) {
            // ds[b, m] = dy[b] . b2[m][:D] + h[b, m] . d(s*h)[b, m]
            backend.gemmBatched(rep, false, true, rows, modules, dim,
                    gradOutput, 0, dim, rows * dim, b2.data(), b2.offset(0), width2, stride,
                    gradScores, 0, modules, rows * modules, false, null, 0, 0, false);
            scoreDot = BlockDotAccumulate.bind(scoreDot, h, gradScaledHidden, gradScores, rep * rows, modules, hidden);
            backend.run(scoreDot);
        }
        // dh = s * d(s*h)
        scaleGrad = ScaleBlocks.bind(scaleGrad, gradScaledHidden, scores, gradH, rep * rows, modules, hidden);
        backend.run(scaleGrad);
        if (router.needsScoreGradient()) router.backward(rows, gradScores, gradLogits);
        if (selfScored()) scoreUnitBackward(h, gradH);
        first.backward(gradInput, false);
    }

    /** {@link #backward} under top-k routing: the dispatched modules, the router, then the score units' path. */
    private void dispatchedBackward(FloatBuf gradInput) {
        dispatched.backward(gradOutput, router, gradScores, first.gradOutput(), gradInput);
        router.backward(rows, gradScores, gradLogits);
        if (!selfScored()) return;
        scoreUnitBackward(first.output(), first.gradOutput());
        first.backward(gradInput, false);
    }

    /** Gradients through the modules' score units: logits[:, m] = h_m . w2[m][:, D] + b2[m][D]. */
    private void scoreUnitBackward(FloatBuf h, FloatBuf gradH) {
        int rh = modules * hidden;
        int hStride = rows * rh;
        int lStride = rows * modules;
        int stride = w2.replicaStride();
        int wCol = w2.offset(0) + dim;
        // dh_m (rows, H) += dlogit[:, m] (rows, 1) . w2[m][:, D]^T (1, H), every replica and module
        backend.gemmGrouped(rep, lStride, stride, hStride, 0, modules, false, true, rows, hidden, 1,
                gradLogits, 0, modules, 1, w2.data(), wCol, width2, hidden * width2,
                gradH, 0, rh, hidden, true, null, 0, 0, false);
        // dw2[m][:, D] (H, 1) += h_m^T (H, rows) . dlogit[:, m] (rows, 1), every replica and module
        backend.gemmGrouped(rep, hStride, lStride, stride, 0, modules, true, false, hidden, 1, rows,
                h, 0, rh, hidden, gradLogits, 0, modules, 1,
                w2.grad(), wCol, width2, hidden * width2, true, null, 0, 0, false);
        if (scoreBiasGrad == null || scoreBiasGrad.x().rows() != rows) {
            scoreBiasGrad = null;
            // db2[m][D] += the sum of dlogit[:, m] over the rows, every replica and module
            scoreBiasGrad = new ColumnSumAccumulate(new Mat("gradLogits", gradLogits, 0, modules, 1, rows, 1, modules),
                    Mat.items("b2.grad", b2.grad(), b2.offset(0) + dim, modules, width2, 1), rep, lStride, stride);
        }
        backend.run(scoreBiasGrad);
    }

    @Override
    public FloatBuf output() {
        return output;
    }

    @Override
    public FloatBuf gradOutput() {
        return gradOutput;
    }

    @Override
    public FloatBuf gradRuleContext() {
        return router.gradRuleContext();
    }

    public Router router() {
        return router;
    }

    /** The modules' own: prefix.0.w, prefix.0.b, prefix.2.w, prefix.2.b. */
    public List<Param> moduleParams() {
        List<Param> params = new ArrayList<>(first.params());
        params.add(w2);
        params.add(b2);
        return params;
    }

    /** The modules', then the router's own (the MLP reference's order). */
    @Override
    public List<Param> params() {
        List<Param> params = new ArrayList<>(moduleParams());
        params.addAll(router.params());
        return params;
    }
}
