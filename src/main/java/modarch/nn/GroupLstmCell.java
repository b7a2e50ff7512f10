package modarch.nn;

import java.util.ArrayList;
import java.util.List;
import modarch.backend.Backend;
import modarch.backend.FloatBuf;
import modarch.backend.Mat;
import modarch.backend.Precision;
import modarch.backend.ops.ColumnSumAccumulate;
import modarch.backend.ops.CopyBlocks;
import modarch.backend.ops.Gemm;
import modarch.backend.ops.LstmCellBackward;
import modarch.backend.ops.LstmWindow;
import modarch.backend.ops.LstmWindowBackward;
import modarch.backend.ops.LstmWindowForward;
import modarch.task.FastRandom;

/**
 * The RNN family's recurrent core over a window of time steps, every replica, with backpropagation through time
 * over explicit per-step caches: R LSTM cells that share one state, the reference's GroupLSTMCell (i2h and h2h
 * Linears without bias; gates i, f, o, g; the shared h and c the score-weighted sums of the modules'), or, for
 * {@link Scoring#NONE}, PyTorch's nn.LSTMCell (one cell, both biases, gates i, f, g, o). Rows are time-major:
 * step t of a window of E sequences is rows [t E, (t + 1) E). The i2h product of every step runs as one GEMM, then
 * the window's steps as one {@link LstmWindowForward} (per step the h2h product of the previous h and the fused
 * cell), and backward as one {@link LstmWindowBackward}: on a GPU, one launch each way at small widths. A window
 * starts from the zero state or from where the previous window ended ({@link #carry}), so a long sequence runs
 * in windows through caches sized for one.
 *
 * <p>The learned scorings (SELF, RULE) may be regularised ({@link RouterRegularization}): every (sequence, step) row
 * of a window is one example, and the regularisers' batch estimates pool all rows of the window, all steps of all
 * sequences (as the attention family pools all tokens); a sequence run in several windows gets each window's own
 * estimate, the last window's terms in {@link #regularizerTerms()}. Their gradient w.r.t. a step's logits joins the
 * backward through time at that step: SELF's through {@link LstmCellBackward}'s extra logits gradient (its
 * logits kept by the forward for the whole window), RULE's through its {@link OpRouter}.
 */
public final class GroupLstmCell {

    /** Where the modules' scores come from. */
    public enum Scoring {
        /** nn.LSTMCell: one cell, no scores. */
        NONE,
        /** Modular: softmax of GroupLinear(R, 8h, 1) on relu([i2h, h2h]) per module, fused into the step op. */
        SELF,
        /** Modular-op: softmax of Linear(R, h) - ReLU - Linear(h, R), without biases, on the one-hot rule. */
        RULE,
        /** GT-Modular: the one-hot rule. */
        GROUND_TRUTH
    }

    private final Backend backend;
    private final Precision precision; // of every product
    private final int rep;
    private final int in;         // encoder width
    private final int modules;    // R (1 for NONE)
    private final int hidden;     // h: each module's and the shared state's width
    private final int gateWidth;  // 4 R h
    private final Scoring scoring;
    private final Param weightIh; // weightIh is (4Rh, in)
    private final Param weightHh; // weightHh is (4Rh, h)
    private final Param biasIh;   // biasIh is (4h); NONE only
    private final Param biasHh;   // biasHh is (4h); NONE only
    private final Param scorerW;  // scorerW is (R, 8h, 1); SELF only
    private final Param scorerB;  // scorerB is (1, R, 1); SELF only: in the reference's state_dict, never used
    private final OpRouter ruleScorer; // RULE only
    private final FloatBuf input;      // input is (rep, rows, 4Rh): i2h of every step
    private final FloatBuf recurrent;  // recurrent is (rep, rows, 4Rh): h2h of the previous h, per step
    private final FloatBuf gates;      // gates is (rep, rows, 4Rh): the activations
    private final FloatBuf cells;      // cells is (rep, rows, R, h): each module's new c
    private final FloatBuf h;          // h is (rep, rows, h): the shared state after each step
    private final FloatBuf c;          // c is (rep, rows, h)
    private final FloatBuf selfScores; // selfScores is (rep, rows, R); SELF only
    private final FloatBuf selfLogits; // selfLogits is (rep, rows, R): the self-scores' logits; SELF regularised only
    private final RouterRegularizers selfRegularizers; // SELF regularised only
    private final FloatBuf hInit;      // hInit is (rep, E, h): the state before the window's first step
    private final FloatBuf cInit;      // cInit is (rep, E, h)
    private final FloatBuf gradInput;     // gradInput is (rep, rows, 4Rh)
    private final FloatBuf gradRecurrent; // gradRecurrent is (rep, rows, 4Rh)
    private final FloatBuf gradH;         // gradH is (rep, rows, h): filled by the caller, then the recurrence's
    private final FloatBuf gradC;         // gradC is (rep, rows, h)
    private final FloatBuf gradScores;    // gradScores is (rep, rows, R); RULE only
    private final FloatBuf scorerRows;    // scorerRows is (rep, rows, R, 8h); SELF only: the rows' weight gradients
                                          // (every row of a window, or one step's: LstmWindow.scorerRowsKept)
    private FloatBuf x;         // x is (rep, rows, in): the window's encoded inputs
    private FloatBuf scores;    // scores is (rep, rows, R): of the last window; null for NONE
    private int examples;       // E
    private int steps;          // of the last window
    private boolean fromZero;   // whether the last window started from the zero state
    private StepOps stepOps;    // the ops of the last window
    private Gemm inputGrad;     // dx over the last window's rows, into the gradX last given to backward
    private final JointProducts gradients = new JointProducts(); // dW_ih, dW_hh and dx: one op

    /**
     * Cells for windows of up to maxRows rows (steps times sequences) of at most maxExamples sequences. prefix names
     * the parameters (the reference's "rnn"); regularization weighs the routing regularisers of the learned scorings
     * (SELF, RULE; the others have none).
     */
    public GroupLstmCell(Workspace ws, String prefix, int in, int modules, int hidden, Scoring scoring,
                         int maxRows, int maxExamples, RouterRegularization regularization) {
        if (scoring == Scoring.NONE && modules != 1) {
            throw new IllegalArgumentException("an nn.LSTMCell is one module, not " + modules);
        }
        this.backend = ws.backend();
        this.precision = ws.precision();
        this.rep = ws.rep();
        this.in = in;
        this.modules = modules;
        this.hidden = hidden;
        this.gateWidth = 4 * modules * hidden;
        this.scoring = scoring;
        ParamArena params = ws.params();
        boolean lstmCell = scoring == Scoring.NONE;
        weightIh = params.add(prefix + (lstmCell ? ".weight_ih" : ".i2h.weight"), gateWidth, in);
        weightHh = params.add(prefix + (lstmCell ? ".weight_hh" : ".h2h.weight"), gateWidth, hidden);
        biasIh = lstmCell ? params.add(prefix + ".bias_ih", gateWidth) : null;
        biasHh = lstmCell ? params.add(prefix + ".bias_hh", gateWidth) : null;
        boolean self = scoring == Scoring.SELF;
        scorerW = self ? params.add(prefix + ".scorer.1.w", modules, 2 * 4 * hidden, 1) : null;
        scorerB = self ? params.add(prefix + ".scorer.1.b", 1, modules, 1) : null;
        ruleScorer = scoring == Scoring.RULE ? new OpRouter(ws, prefix + ".scorer", modules, hidden, modules, maxRows,
                false, false, regularization) : null;
        input = ws.floats((long) maxRows * gateWidth);
        recurrent = ws.floats((long) maxRows * gateWidth);
        gates = ws.floats((long) maxRows * gateWidth);
        cells = ws.floats((long) maxRows * modules * hidden);
        h = ws.floats((long) maxRows * hidden);
        c = ws.floats((long) maxRows * hidden);
        selfScores = self ? ws.floats((long) maxRows * modules) : null;
        selfRegularizers = self ? RouterRegularizers.of(ws, modules, maxRows, regularization) : null;
        selfLogits = selfRegularizers != null ? ws.floats((long) maxRows * modules) : null;
        hInit = ws.floats((long) maxExamples * hidden);
        cInit = ws.floats((long) maxExamples * hidden);
        gradInput = ws.floats((long) maxRows * gateWidth);
        gradRecurrent = ws.floats((long) maxRows * gateWidth);
        gradH = ws.floats((long) maxRows * hidden);
        gradC = ws.floats((long) maxRows * hidden);
        gradScores = scoring == Scoring.RULE ? ws.floats((long) maxRows * modules) : null;
        scorerRows = self ? ws.floats((long) LstmWindow.scorerRowsKept(precision, modules, hidden, maxRows,
                maxExamples) * 2 * gateWidth) : null;
    }

    /**
     * The reference's parameter matching: the modules' h for R LSTM cells to have about the parameters of one
     * nn.LSTMCell of hDim with encoder width enc, Python's {@code int((sqrt(b^2 + 4 a k) - b) / (2 a))} with
     * b = 4 R enc + 1, a = 4 R + 1 and k = 5 hDim^2 + hDim (4 enc + 1).
     */
    public static int moduleHidden(int rules, int enc, int hDim) {
        double b = 4.0 * rules * enc + 1;
        double a = 4.0 * rules + 1;
        double k = 5.0 * hDim * hDim + (double) hDim * (4.0 * enc + 1);
        double root = Math.sqrt(b * b + 4 * a * k) - b;
        return (int) (root / (2 * a));
    }

    /**
     * PyTorch's defaults into one replica's host values: nn.LSTMCell's tensors U(-1/sqrt(h), 1/sqrt(h)); the bias-free
     * Linears U(-1/sqrt(fan_in), ..); the GroupLinear scorer's w U(-sqrt(1/8h), ..) and its unused b zero (the
     * reference leaves it uninitialised memory).
     */
    public void init(float[] replicaValues, FastRandom rng) {
        if (scoring == Scoring.NONE) {
            double bound = 1.0 / Math.sqrt(hidden);
            for (Param p : List.of(weightIh, weightHh, biasIh, biasHh)) p.initUniform(replicaValues, bound, rng);
            return;
        }
        weightIh.initUniform(replicaValues, 1.0 / Math.sqrt(in), rng);
        weightHh.initUniform(replicaValues, 1.0 / Math.sqrt(hidden), rng);
        if (scorerW != null) scorerW.initUniform(replicaValues, Math.sqrt(1.0 / (8.0 * hidden)), rng);
        if (ruleScorer != null) ruleScorer.init(replicaValues, rng);
    }

    /** Parameters in the reference's state_dict order. */
    public List<Param> params() {
        List<Param> all = new ArrayList<>(List.of(weightIh, weightHh));
        if (biasIh != null) all.addAll(List.of(biasIh, biasHh));
        if (scorerW != null) all.addAll(List.of(scorerW, scorerB));
        if (ruleScorer != null) all.addAll(ruleScorer.params());
        return all;
    }

    /**
     * Runs a window of steps over E = sequences: xIn (rep, steps E, in) the encoded inputs, oneHot (rep, steps E, R)
     * the rules, both time-major. fromZeroState: start from the zero state (else from {@link #carry}). The states are
     * in {@link #h()}, the scores in {@link #scores()}.
     */
    public void forward(FloatBuf xIn, FloatBuf oneHot, int sequences, int windowSteps, boolean fromZeroState) {
        this.x = xIn;
        this.examples = sequences;
        this.steps = windowSteps;
        this.fromZero = fromZeroState;
        int rows = steps * examples;
        scores = scores(oneHot, rows);
        StepOps ops = stepOps();
        backend.run(ops.inputProduct);
        backend.run(fromZero ? ops.forwardFromZero : ops.forwardCarried);
        if (selfRegularizers != null) selfRegularizers.forward(rows, selfLogits, selfScores);
    }

    /** The ops of the last window, built when its sequences, steps, inputs or scores change. */
    private StepOps stepOps() {
        if (stepOps == null || !stepOps.fits(examples, steps, x, scores)) {
            stepOps = null;
            stepOps = new StepOps(examples, steps, x, scores);
        }
        return stepOps;
    }

    /** One window's ops. */
    private final class StepOps {
        final int examples;
        final FloatBuf x;
        final FloatBuf scores;
        final LstmWindow window;
        final Gemm inputProduct;               // input (rows, 4Rh) = x (rows, in) . W_ih^T (+ b_ih)
        final LstmWindowForward forwardFromZero; // the steps from the zero state
        final LstmWindowForward forwardCarried;  // the steps from hInit and cInit
        final LstmWindowBackward backward;
        final Gemm weightIhGrad;          // dW_ih (4Rh, in) += d input^T . x over every row
        final Gemm weightHhGrad;          // dW_hh (4Rh, h) += sum_{t >= 1} d recurrent_t^T . h_{t-1}
        final CopyBlocks carryH;          // the last step's h and c into the next window's initial state
        final CopyBlocks carryC;
        final ColumnSumAccumulate biasHhGrad; // the window's recurrent gate gradients summed into bias_hh; null
                                              // without biases (bias_ih's sums are weightIhGrad's column sums)

        StepOps(int examples, int steps, FloatBuf x, FloatBuf scores) {
            this.examples = examples;
            this.x = x;
            this.scores = scores;
            int rows = steps * examples, stride = weightIh.replicaStride();
            Mat wIh = new Mat("weight_ih", weightIh.data(), weightIh.offset(0), rep, stride, gateWidth, in, in);
            Mat wHh = new Mat("weight_hh", weightHh.data(), weightHh.offset(0), rep, stride, gateWidth, hidden, hidden);
            Mat bIh = biasIh == null ? null : Mat.items("bias_ih", biasIh.data(), biasIh.offset(0), rep, stride,
                    gateWidth);
            Mat bHh = biasHh == null ? null : Mat.items("bias_hh", biasHh.data(), biasHh.offset(0), rep, stride,
                    gateWidth);
            int scorerWidth = 2 * gateWidth;
            Mat scorer = scorerW == null ? null : Mat.items("scorer", scorerW.data(), scorerW.offset(0), rep, stride,
                    scorerWidth);
            window = new LstmWindow(rep, examples, steps, modules, hidden, scoring == Scoring.NONE, precision, wHh,
                    bHh, scorer, input, recurrent, scores, hInit, cInit, gates, cells, h, c);
            Mat xs = new Mat("x", x, 0, rep, rows * in, rows, in, in);
            Mat dInput = new Mat("gradInput", gradInput, 0, rep, rows * gateWidth, rows, gateWidth, gateWidth);
            inputProduct = Gemm.of(xs, false, wIh, true, new Mat("input", input, 0, rep, rows * gateWidth, rows,
                    gateWidth, gateWidth)).precision(precision).bias(bIh);
            forwardFromZero = new LstmWindowForward(window, true, selfLogits);
            forwardCarried = new LstmWindowForward(window, false, selfLogits);
            backward = new LstmWindowBackward(window, gradH, gradC,
                    selfRegularizers == null ? null : selfRegularizers.gradLogits(), gradInput, gradRecurrent,
                    gradScores, scorerRows, scorerW == null ? null : Mat.items("scorer.grad", scorerW.grad(),
                    scorerW.offset(0), rep, stride, scorerWidth));
            weightIhGrad = Gemm.of(dInput, true, xs, false, new Mat("weight_ih.grad", weightIh.grad(),
                    weightIh.offset(0), rep, stride, gateWidth, in, in)).precision(precision).accumulate(true)
                    .columnSums(biasIh == null ? null : gateSums(dInput, biasIh, stride));
            // the zero state adds nothing at t = 0: the rows of steps 1.. of d recurrent and 0.. of h
            weightHhGrad = Gemm.of(new Mat("gradRecurrent", gradRecurrent, examples * gateWidth, rep, rows * gateWidth,
                    rows - examples, gateWidth, gateWidth), true, new Mat("h", h, 0, rep, rows * hidden, rows - examples,
                    hidden, hidden), false, new Mat("weight_hh.grad", weightHh.grad(), weightHh.offset(0), rep, stride,
                    gateWidth, hidden, hidden)).precision(precision).accumulate(true);
            int last = (steps - 1) * examples * hidden;
            carryH = CopyBlocks.copy(new Mat("h", h, last, rep, rows * hidden, examples, hidden, hidden),
                    new Mat("hInit", hInit, 0, rep, examples * hidden, examples, hidden, hidden));
            carryC = CopyBlocks.copy(new Mat("c", c, last, rep, rows * hidden, examples, hidden, hidden),
                    new Mat("cInit", cInit, 0, rep, examples * hidden, examples, hidden, hidden));
            biasHhGrad = biasIh == null ? null : gateSums(new Mat("gradRecurrent", gradRecurrent, 0, rep,
                    rows * gateWidth, rows, gateWidth, gateWidth), biasHh, stride);
        }

        /** bias's gradient += the column sums of grad (rep, rows, 4Rh). */
        private ColumnSumAccumulate gateSums(Mat grad, Param bias, int stride) {
            return new ColumnSumAccumulate(grad, Mat.items(grad.name() + " sums", bias.grad(), bias.offset(0), rep,
                    stride, gateWidth));
        }

        boolean fits(int examples, int steps, FloatBuf x, FloatBuf scores) {
            return this.examples == examples && window.steps() == steps && this.x == x && this.scores == scores;
        }
    }

    /** The scores of a window: the rule scorer's or the one-hot's (given), the fused op's (SELF), or none. */
    private FloatBuf scores(FloatBuf oneHot, int rows) {
        return switch (scoring) {
            case NONE -> null;
            case SELF -> selfScores;
            case GROUND_TRUTH -> oneHot;
            case RULE -> {
                ruleScorer.forward(rows, oneHot, null, null);
                yield ruleScorer.scores();
            }
        };
    }

    /** Makes the last window's final state the next window's initial state. */
    public void carry() {
        backend.run(stepOps.carryH);
        backend.run(stepOps.carryC);
    }

    /**
     * Backpropagation through the last window from {@link #gradH()} (the loss's gradient w.r.t. every step's h,
     * filled by the caller): accumulates every parameter's gradient and writes the gradient of the encoded inputs
     * into gradX (rep, rows, in). The window must have started from the zero state (training runs one window).
     */
    public void backward(FloatBuf gradX) {
        if (!fromZero) throw new IllegalStateException("backward needs a window that started from the zero state");
        int rows = steps * examples;
        StepOps ops = stepOps();
        backend.run(ops.backward);
        if (inputGrad == null || inputGrad.c().buf() != gradX || inputGrad.m() != rows) {
            inputGrad = null;
            // dx (rows, in) = d input (rows, 4Rh) . W_ih (4Rh, in)
            inputGrad = Gemm.of(ops.weightIhGrad.a(), false, ops.inputProduct.b(), false,
                    new Mat("gradX", gradX, 0, rep, rows * in, rows, in, in)).precision(precision);
        }
        backend.run(gradients.of(ops.weightIhGrad, ops.weightHhGrad, inputGrad)); // independent: one op
        if (biasIh != null) backend.run(ops.biasHhGrad);
        if (ruleScorer != null) ruleScorer.backward(rows, gradScores, null);
    }

    /** (rep, rows, h): the shared state after every step of the last window, time-major. */
    public FloatBuf h() {
        return h;
    }

    /** (rep, rows, h): where the caller puts the loss's gradient w.r.t. {@link #h()} before {@link #backward}. */
    public FloatBuf gradH() {
        return gradH;
    }

    /** (rep, rows, R): the scores of the last window, time-major; null for nn.LSTMCell. */
    public FloatBuf scores() {
        return scores;
    }

    /**
     * The routing regularisers' unweighted terms of the last window, (rep, 3): load balance, router z-loss, mutual
     * information; null when the scoring is not regularised.
     */
    public FloatBuf regularizerTerms() {
        if (selfRegularizers != null) return selfRegularizers.terms();
        return ruleScorer == null ? null : ruleScorer.regularizerTerms();
    }

    /** True when the scores depend on the state (Modular's), so computing them takes the full forward. */
    public boolean needsStateForScores() {
        return scoring == Scoring.SELF;
    }

    /** Computes only the scores of a window, for the kinds whose scores do not depend on the state. */
    public FloatBuf scoresOnly(FloatBuf oneHot, int rows) {
        if (scoring == Scoring.SELF || scoring == Scoring.NONE) {
            throw new IllegalStateException(scoring + " scores need the full forward");
        }
        return scores(oneHot, rows);
    }

    public int hidden() {
        return hidden;
    }
}
