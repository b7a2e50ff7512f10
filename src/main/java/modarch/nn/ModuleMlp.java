package modarch.nn;

import java.util.ArrayList;
import java.util.List;
import modarch.backend.Backend;
import modarch.backend.FloatBuf;
import modarch.backend.IntBuf;
import modarch.backend.Mat;
import modarch.backend.Op;
import modarch.backend.Precision;
import modarch.backend.ops.BlockDotAccumulate;
import modarch.backend.ops.ColumnSumAccumulate;
import modarch.backend.ops.DenseModules;
import modarch.backend.ops.Gemm;
import modarch.backend.ops.Gemms;
import modarch.backend.ops.ModuleMlpBackward;
import modarch.backend.ops.ModuleMlpForward;
import modarch.backend.ops.ScaleBlocks;
import modarch.backend.ops.SoftmaxRows;
import modarch.backend.ops.SoftmaxRowsBackward;
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
 * <p>Under dense routing, the forward and the backward are one op each ({@link ModuleMlpForward},
 * {@link ModuleMlpBackward}: on a GPU one fused kernel each way where the shape allows). A router on the rule context
 * or the rules runs apart, before the forward and after the backward; a self-scoring router's softmax and its backward
 * are inside the ops, unless it is regularised (its terms sit between the layers): then the ops run one by one. Under
 * top-k routing ({@code router.topK() > 0}) the value path is {@link DispatchedModules}: each module runs on the rows
 * that chose it only.
 */
public final class ModuleMlp implements Core {
    private final Backend backend;
    private final Precision precision; // of every product
    private final int rep;
    private final int modules;
    private final int in;
    private final boolean sharedInput;
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
    private final boolean joined;               // forward and backward as one op each (see above)
    private Products products;                  // at the rows last routed
    private ModuleMlpForward forwardOp;         // joined: at those rows and the x last given
    private FloatBuf forwardInput;              // that x
    private ModuleMlpBackward backwardOp;       // joined: at those rows and the gradInput last given
    private FloatBuf backwardGradInput;         // that gradInput

    /** sharedInput: x is (rep, rows, in) for every module, else (rep, rows, R, in), one block per module. */
    public ModuleMlp(Workspace ws, String prefix, int modules, int in, int hidden, int dim, int maxRows,
                     boolean sharedInput, Router router) {
        this.backend = ws.backend();
        this.precision = ws.precision();
        this.rep = ws.rep();
        this.modules = modules;
        this.in = in;
        this.sharedInput = sharedInput;
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
        this.joined = dispatched == null && (!selfScored() || router.regularizerTerms() == null);
        first.gradOutputMasked(selfScored()); // the score units' input gradient, dh's last writer, masks it
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

    /** The ops of one row count: built when it changes, so a warm step allocates nothing. */
    private record Products(int rows, ScoreUnits scoreUnits, ScaleBlocks scaleHidden, Gemm moduleSum, Gemm biasSum,
                            Gemms gradients, Gemm w2Grad, Gemm b2Grad, Op gradScale) {
    }

    /** The self-scored modules' score units: their logits' product, and its gradients (dh's and the weights') in one op. */
    private record ScoreUnits(Gemm logits, Gemm weightGrad, Gemms gradients) {
    }

    private Products products(int rows) {
        int rh = modules * hidden;
        int stride = w2.replicaStride();
        FloatBuf h = first.output(), gradH = first.gradOutput(), scores = router.scores();
        // dh = s * d(s*h)
        ScaleBlocks scaleGrad = ScaleBlocks.bind(null, gradScaledHidden, scores, gradH, rep * rows, modules, hidden);
        Mat sh = new Mat("scaledHidden", scaledHidden, 0, rep, rows * rh, rows, rh, rh);          // (rep, rows, R*H)
        Mat s = new Mat("scores", scores, 0, rep, rows * modules, rows, modules, modules);          // (rep, rows, R)
        Mat y = new Mat("output", output, 0, rep, rows * dim, rows, dim, dim);                      // (rep, rows, D)
        Mat dy = new Mat("gradOutput", gradOutput, 0, rep, rows * dim, rows, dim, dim);
        Mat bigW2 = new Mat("w2", w2.data(), w2.offset(0), rep, stride, rh, dim, width2);           // W2[:, :D] (R*H, D)
        Mat bigB2 = new Mat("b2", b2.data(), b2.offset(0), rep, stride, modules, dim, width2);     // B2[:, :D] (R, D)
        // the products of dy, one launch: d(s*h) (rows, R*H) = dy (rows, D) . W2[:, :D]^T; dW2[:, :D] += (s*h)^T . dy;
        // dB2[:, :D] += s^T . dy; and where the router needs it, ds[b, m] = dy[b] . b2[m][:D] + (below)
        Gemm gradSh = Gemm.of(dy, false, bigW2, true, new Mat("gradScaledHidden", gradScaledHidden, 0, rep, rows * rh,
                rows, rh, rh)).precision(precision);
        Gemm w2Grad = Gemm.of(sh, true, dy, false, new Mat("w2.grad", w2.grad(), w2.offset(0), rep, stride, rh, dim,
                width2)).precision(precision).accumulate(true);
        Gemm b2Grad = Gemm.of(s, true, dy, false, new Mat("b2.grad", b2.grad(), b2.offset(0), rep, stride, modules, dim,
                width2)).precision(precision).accumulate(true);
        boolean scoreGradient = router.needsScoreGradient();
        Gemms gradients = scoreGradient ? Gemms.of(gradSh, w2Grad, b2Grad, Gemm.of(dy, false, bigB2, true,
                new Mat("gradScores", gradScores, 0, rep, rows * modules, rows, modules, modules)).precision(precision))
                : Gemms.of(gradSh, w2Grad, b2Grad);
        return new Products(rows, selfScored() ? scoreUnits(rows) : null,
                ScaleBlocks.bind(null, h, scores, scaledHidden, rep * rows, modules, hidden),
                // output (rows, D) = (s*h) (rows, R*H) . W2[:, :D] (R*H, D) + s (rows, R) . B2[:, :D] (R, D)
                Gemm.of(sh, false, bigW2, false, y).precision(precision),
                Gemm.of(s, false, bigB2, false, y).precision(precision).accumulate(true),
                gradients, w2Grad, b2Grad,
                // with the score gradient: ds[b, m] += h[b, m] . d(s*h)[b, m], then dh = s * d(s*h), in the same op
                scoreGradient ? BlockDotAccumulate.bind(null, h, gradScaledHidden, gradScores, rep * rows, modules,
                        hidden).then(scaleGrad) : scaleGrad);
    }

    /**
     * The modules' score units at one row count: logits[:, m] = h_m . w2[m][:, D] + b2[m][D] and its gradients, every
     * replica and module, the replicas as groups of replica 0's modules.
     */
    private ScoreUnits scoreUnits(int rows) {
        int rh = modules * hidden;
        int stride = w2.replicaStride();
        int hStride = rows * rh, lStride = rows * modules;
        Mat hm = new Mat("h", first.output(), 0, modules, hidden, rows, hidden, rh);            // h_m (rows, H)
        Mat wColumn = new Mat("w2[:, D]", w2.data(), w2.offset(0) + dim, modules, hidden * width2, hidden, 1, width2);
        Mat gradLogitColumn = new Mat("gradLogits", gradLogits, 0, modules, 1, rows, 1, modules); // dlogit[:, m]
        // dw2[m][:, D] (H, 1) += h_m^T (H, rows) . dlogit[:, m] (rows, 1); db2[m][D] += the sum of dlogit[:, m] over the
        // rows, in the same launch
        Gemm weightGrad = Gemm.of(hm, true, gradLogitColumn, false, new Mat("w2.grad[:, D]", w2.grad(), w2.offset(0)
                + dim, modules, hidden * width2, hidden, 1, width2)).precision(precision).accumulate(true)
                .groups(new Gemm.Groups(rep, hStride, lStride, stride, 0))
                .columnSums(new ColumnSumAccumulate(gradLogitColumn, Mat.items("b2.grad", b2.grad(), b2.offset(0) + dim,
                        modules, width2, 1), rep, lStride, stride));
        return new ScoreUnits(
                // logits[:, m] (rows, 1) = h_m (rows, H) . w2[m][:, D] (H, 1) + b2[m][D]
                Gemm.of(hm, false, wColumn, false, new Mat("logits", logits, 0, modules, 1, rows, 1, modules)).precision(precision)
                        .bias(Mat.items("b2[D]", b2.data(), b2.offset(0) + dim, modules, width2, 1))
                        .groups(new Gemm.Groups(rep, hStride, stride, lStride, stride)),
                weightGrad,
                // both read dlogit, one launch:
                // dh_m (rows, H) += dlogit[:, m] (rows, 1) . w2[m][:, D]^T (1, H), through the ReLU's backward (by h_m)
                Gemms.of(Gemm.of(gradLogitColumn, false, wColumn, true, new Mat("gradH", first.gradOutput(), 0, modules,
                        hidden, rows, hidden, rh)).precision(precision).accumulate(true).mask(hm)
                        .groups(new Gemm.Groups(rep, lStride, stride, hStride, 0)), weightGrad));
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
        if (joined) {
            if (selfScored()) bind(rows); // the softmax is the joined op's
            else route(x, ruleContext, rules, rows);
            backend.run(forwardOp(x, rows));
            return;
        }
        route(x, ruleContext, rules, rows); // not joined: a regularised self-scoring router, between the layers
        backend.run(products.scaleHidden);
        backend.run(products.moduleSum);
        backend.run(products.biasSum);
    }

    /**
     * Only the routing part of {@link #forward}: fills {@code router().scores()} without the
     * modules' outputs. x is read only when the modules score themselves.
     */
    public void route(FloatBuf x, FloatBuf ruleContext, IntBuf rules, int rows) {
        bind(rows);
        if (selfScored()) {
            first.forward(x, rows);
            backend.run(products.scoreUnits.logits);
        }
        router.forward(rows, ruleContext, rules, logits);
    }

    private void bind(int rows) {
        if (products == null || products.rows != rows) {
            products = null;
            forwardOp = null;
            backwardOp = null;
            products = products(rows);
        }
    }

    /** The joined forward at the rows bound and x: built when either changes, so a warm step allocates nothing. */
    private ModuleMlpForward forwardOp(FloatBuf x, int rows) {
        if (forwardOp != null && forwardInput == x) return forwardOp;
        forwardOp = null;
        backwardOp = null;
        GroupLinear.Products layer = first.bind(x, rows);
        List<Op> parts = new ArrayList<>();
        if (layer.pack() != null) parts.add(layer.pack());
        parts.add(layer.forward());
        if (selfScored()) {
            parts.add(products.scoreUnits.logits);
            parts.add(SoftmaxRows.bind(null, logits, router.scores(), rep * rows, modules));
        }
        parts.addAll(List.of(products.scaleHidden, products.moduleSum, products.biasSum));
        forwardOp = new ModuleMlpForward(dense(rows), x, first.output(), scaledHidden, selfScored() ? logits : null,
                router.scores(), output, parts);
        forwardInput = x;
        return forwardOp;
    }

    /**
     * The joined backward at the rows, input and shape of the last forward, into gradInput (null: none): in the order
     * of the unjoined backward below; of the router's backward, only a self-scoring router's softmax backward is in it.
     */
    private ModuleMlpBackward backwardOp(FloatBuf gradInput) {
        if (backwardOp != null && backwardGradInput == gradInput) return backwardOp;
        backwardOp = null;
        int rows = products.rows;
        GroupLinear.Products layer = first.bind(forwardInput, rows);
        List<Op> parts = new ArrayList<>(List.of(products.gradients, products.gradScale));
        List<Gemm> weightGradients = new ArrayList<>(List.of(products.w2Grad, products.b2Grad));
        if (selfScored()) {
            parts.add(SoftmaxRowsBackward.bind(null, router.scores(), gradScores, gradLogits, rep * rows, modules));
            parts.add(products.scoreUnits.gradients);
            weightGradients.add(products.scoreUnits.weightGrad);
        } else {
            parts.add(layer.reluBackward());
        }
        weightGradients.add(layer.moduleWeightGrad());
        parts.add(gradInput == null ? layer.weightGrad()
                : Gemms.of(layer.weightGrad(), first.inputGrad(gradInput, false))); // both read dh: one launch
        if (layer.unpackGrad() != null) parts.add(layer.unpackGrad());
        backwardOp = new ModuleMlpBackward(forwardOp.modules(), router.scores(), first.output(), gradOutput, gradScaledHidden,
                router.needsScoreGradient() ? gradScores : null, selfScored() ? gradLogits : null, first.gradOutput(),
                gradInput, parts, new Gemms(weightGradients));
        backwardGradInput = gradInput;
        return backwardOp;
    }

    /** The module MLP at rows as the fused kernels read it: the joined forward's, which the backward shares. */
    private DenseModules dense(int rows) {
        int stride = w2.replicaStride(), rh = modules * hidden;
        Param w1 = first.w(), b1 = first.b();
        return new DenseModules(rep, rows, modules, in, hidden, dim, width2, sharedInput, precision,
                Mat.items("w1", w1.data(), w1.offset(0), rep, stride, rh * in),
                Mat.items("b1", b1.data(), b1.offset(0), rep, stride, rh),
                Mat.items("w2", w2.data(), w2.offset(0), rep, stride, rh * width2),
                Mat.items("b2", b2.data(), b2.offset(0), rep, stride, modules * width2));
    }

    @Override
    public void backward(FloatBuf gradInput) {
        if (dispatched != null) {
            dispatchedBackward(gradInput);
            return;
        }
        if (joined) {
            backend.run(backwardOp(gradInput));
            if (!selfScored()) router.backward(products.rows, gradScores, gradLogits); // apart; GT-Modular's does nothing
            return;
        }
        // not joined: a regularised self-scoring router
        backend.run(products.gradients);
        backend.run(products.gradScale);
        router.backward(products.rows, gradScores, gradLogits);
        scoreUnitBackward();
        first.backward(gradInput, false);
    }

    /** {@link #backward} under top-k routing: the dispatched modules, the router, then the score units' path. */
    private void dispatchedBackward(FloatBuf gradInput) {
        dispatched.backward(gradOutput, router, gradScores, first.gradOutput(), gradInput);
        router.backward(products.rows, gradScores, gradLogits);
        if (!selfScored()) return;
        scoreUnitBackward();
        first.backward(gradInput, false);
    }

    /** Gradients through the modules' score units: logits[:, m] = h_m . w2[m][:, D] + b2[m][D]. */
    private void scoreUnitBackward() {
        backend.run(products.scoreUnits.gradients);
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
