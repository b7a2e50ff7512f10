package modarch.nn;

import java.util.ArrayList;
import java.util.List;
import modarch.backend.Backend;
import modarch.task.FastRandom;

/**
 * The modules of the MLP setting as one op: GroupLinear(R, in, H) - ReLU - GroupLinear(R, H, D[+1])
 * on an input shared by all modules, then the routing-weighted sum over modules. H = floor(D / R).
 *
 * <p>The weighted sum is computed without materialising per-module outputs:
 * {@code sum_m s[m] (h[m] w2[m] + b2[m]) = (s*h) W2 + s B2}, where s*h scales each module's hidden
 * block by its score and W2 (R*H, D) stacks the modules' weights, one dense product. A self-scored
 * router reads column D of w2/b2 (the reference's extra "score" unit).
 */
public final class ModuleMlp {
    private final Backend backend;
    private final int rep;
    private final int modules;
    private final int hidden;      // H = floor(D / R)
    private final int dim;         // D
    private final int width2;      // D + 1 when self-scored, else D
    private final Router router;
    private final GroupLinear first;  // "MLP.0": (rep, rows, in) -> h (rep, rows, R, H), ReLU fused
    private final Param w2;           // "MLP.2.w" is (R, H, width2)
    private final Param b2;           // "MLP.2.b" is (1, R, width2)
    private final float[] logits;     // logits is (rep, rows, R): the modules' own score units
    private final float[] scaledHidden; // scaledHidden is (rep, rows, R*H): s * h
    private final float[] output;       // output is (rep, rows, D)
    private final float[] gradOutput;   // gradOutput is (rep, rows, D)
    private final float[] gradScaledHidden; // (rep, rows, R*H)
    private final float[] gradScores;       // (rep, rows, R)
    private final float[] gradLogits;       // (rep, rows, R)
    private int rows;

    public ModuleMlp(Backend backend, int rep, int modules, int in, int dim, int maxRows, Router router) {
        this.backend = backend;
        this.rep = rep;
        this.modules = modules;
        this.hidden = dim / modules;
        this.dim = dim;
        this.router = router;
        this.width2 = router.selfScored() ? dim + 1 : dim;
        this.first = new GroupLinear(backend, "MLP.0", rep, modules, in, hidden, maxRows, true, true);
        this.w2 = new Param("MLP.2.w", rep, modules, hidden, width2);
        this.b2 = new Param("MLP.2.b", rep, 1, modules, width2);
        this.logits = new float[rep * maxRows * modules];
        this.scaledHidden = new float[rep * maxRows * modules * hidden];
        this.output = new float[rep * maxRows * dim];
        this.gradOutput = new float[output.length];
        this.gradScaledHidden = new float[scaledHidden.length];
        this.gradScores = new float[logits.length];
        this.gradLogits = new float[logits.length];
    }

    /** The reference's GroupLinearLayer init for both layers: U(+-sqrt(1/din)). */
    public void init(int r, FastRandom rng) {
        first.init(r, rng);
        double bound = Math.sqrt(1.0 / hidden);
        w2.initUniform(r, bound, rng);
        b2.initUniform(r, bound, rng);
    }

    /**
     * x is (rep, rows, in); ruleContext (rep, rows, E) and rules (rep, rows) feed the router.
     * The result is in {@link #output()}, the routing scores in {@code router().scores()}.
     */
    public void forward(float[] x, float[] ruleContext, int[] rules, int rows) {
        if (!router.selfScored()) first.forward(x, rows);
        route(x, ruleContext, rules, rows);
        float[] h = first.output();
        int rh = modules * hidden;
        float[] scores = router.scores();
        for (int r = 0; r < rep; r++) {
            int hOff = r * rows * rh;
            int sOff = r * rows * modules;
            backend.scaleBlocks(rows, modules, hidden, h, hOff, scores, sOff, scaledHidden, hOff);
            // output (rows, D) = (s*h) (rows, R*H) . W2[:, :D] (R*H, D) + s (rows, R) . B2[:, :D] (R, D)
            backend.matmul(false, false, rows, dim, rh,
                    scaledHidden, hOff, rh, w2.data(), w2.offset(r), width2,
                    output, r * rows * dim, dim);
            backend.matmulAccumulate(false, false, rows, dim, modules,
                    scores, sOff, modules, b2.data(), b2.offset(r), width2,
                    output, r * rows * dim, dim);
        }
    }

    /**
     * Only the routing part of {@link #forward}: fills {@code router().scores()} without the
     * modules' outputs. x is read only when the router is self-scored.
     */
    public void route(float[] x, float[] ruleContext, int[] rules, int rows) {
        this.rows = rows;
        if (router.selfScored()) {
            first.forward(x, rows);
            float[] h = first.output();
            int rh = modules * hidden;
            for (int r = 0; r < rep; r++) {
                for (int m = 0; m < modules; m++) {
                    // logits[:, m] (rows, 1) = h_m (rows, H) . w2[m][:, D] (H, 1) + b2[m][D]
                    backend.gemm(false, false, rows, 1, hidden,
                            h, r * rows * rh + m * hidden, rh,
                            w2.data(), w2.offset(r) + m * hidden * width2 + dim, width2,
                            logits, r * rows * modules + m, modules,
                            false, b2.data(), b2.offset(r) + m * width2 + dim, false);
                }
            }
        }
        router.forward(rows, ruleContext, rules, logits);
    }

    /** Back-propagates {@link #gradOutput()}; writes the input gradient (rep, rows, in) into gradInput. */
    public void backward(float[] gradInput) {
        float[] h = first.output();
        float[] gradH = first.gradOutput();
        float[] scores = router.scores();
        int rh = modules * hidden;
        for (int r = 0; r < rep; r++) {
            int hOff = r * rows * rh;
            int sOff = r * rows * modules;
            int yOff = r * rows * dim;
            // d(s*h) (rows, R*H) = dy (rows, D) . W2[:, :D]^T
            backend.matmul(false, true, rows, rh, dim,
                    gradOutput, yOff, dim, w2.data(), w2.offset(r), width2,
                    gradScaledHidden, hOff, rh);
            // dW2[:, :D] += (s*h)^T . dy ; dB2[:, :D] += s^T . dy
            backend.matmulAccumulate(true, false, rh, dim, rows,
                    scaledHidden, hOff, rh, gradOutput, yOff, dim,
                    w2.grad(), w2.offset(r), width2);
            backend.matmulAccumulate(true, false, modules, dim, rows,
                    scores, sOff, modules, gradOutput, yOff, dim,
                    b2.grad(), b2.offset(r), width2);
            if (router.needsScoreGradient()) {
                // ds[b, m] = dy[b] . b2[m][:D] + h[b, m] . d(s*h)[b, m]
                backend.matmul(false, true, rows, modules, dim,
                        gradOutput, yOff, dim, b2.data(), b2.offset(r), width2,
                        gradScores, sOff, modules);
                backend.blockDotAccumulate(rows, modules, hidden, h, hOff, gradScaledHidden, hOff, gradScores, sOff);
            }
            // dh = s * d(s*h)
            backend.scaleBlocks(rows, modules, hidden, gradScaledHidden, hOff, scores, sOff, gradH, hOff);
        }
        if (router.needsScoreGradient()) router.backward(rows, gradScores, gradLogits);
        if (router.selfScored()) scoreUnitBackward(h, gradH);
        first.backward(gradInput, false);
    }

    /** Gradients through the modules' score units: logits[:, m] = h_m . w2[m][:, D] + b2[m][D]. */
    private void scoreUnitBackward(float[] h, float[] gradH) {
        int rh = modules * hidden;
        for (int r = 0; r < rep; r++) {
            int hOff = r * rows * rh;
            int lOff = r * rows * modules;
            for (int m = 0; m < modules; m++) {
                int wCol = w2.offset(r) + m * hidden * width2 + dim;
                // dh_m (rows, H) += dlogit[:, m] (rows, 1) . w2[m][:, D]^T (1, H)
                backend.matmulAccumulate(false, true, rows, hidden, 1,
                        gradLogits, lOff + m, modules, w2.data(), wCol, width2,
                        gradH, hOff + m * hidden, rh);
                // dw2[m][:, D] (H, 1) += h_m^T (H, rows) . dlogit[:, m] (rows, 1)
                backend.matmulAccumulate(true, false, hidden, 1, rows,
                        h, hOff + m * hidden, rh, gradLogits, lOff + m, modules,
                        w2.grad(), wCol, width2);
                backend.columnSumAccumulate(rows, 1, gradLogits, lOff + m, modules,
                        b2.grad(), b2.offset(r) + m * width2 + dim);
            }
        }
    }

    public float[] output() {
        return output;
    }

    public float[] gradOutput() {
        return gradOutput;
    }

    public Router router() {
        return router;
    }

    /** MLP.0.w, MLP.0.b, MLP.2.w, MLP.2.b, then the router's own (the reference's order). */
    public List<Param> params() {
        List<Param> params = new ArrayList<>(first.params());
        params.add(w2);
        params.add(b2);
        params.addAll(router.params());
        return params;
    }
}
