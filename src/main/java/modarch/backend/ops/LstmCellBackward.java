package modarch.backend.ops;

import modarch.backend.FloatBuf;
import modarch.backend.Mat;
import modarch.backend.Op;
import modarch.backend.cpu.Host;
import modarch.backend.cpu.Parallel;
import modarch.backend.cpu.ScalarLstmCell;
import modarch.backend.cuda.Gpu;

/**
 * Backward of {@link LstmCellForward} for the same rows, from gradH and gradC (the loss's gradient w.r.t. the step's
 * shared h and c, laid out as h and c): with {@code dhNew_m = s_m dh},
 * {@code dcNew_m = s_m dc + dhNew_m o_m (1 - tanh^2 cNew_m)} and {@code ds_m = dh . hNew_m + dc . cNew_m},
 * <ul>
 *   <li>gradInput = gradRecurrent = the pre-activation gradient ({@code di = dcNew g i (1 - i)},
 *   {@code df = dcNew c_prev f (1 - f)}, {@code do = dhNew tanh(cNew) o (1 - o)}, {@code dg = dcNew i (1 - g^2)}),
 *   overwritten;</li>
 *   <li>with a scorer, also through the scores: {@code dl = s (ds - sum_m s_m ds_m)} (softmax backward), plus, when
 *   gradLogits is not null, its row (rows, R, laid out as scores: a gradient w.r.t. the logits from beyond the step,
 *   the routing regularisers'; ignored without a scorer); gradInput_m += {@code [input_m > 0] dl_m w_m[0, 4h)},
 *   gradRecurrent_m += {@code [recurrent_m > 0] dl_m w_m[4h, 8h)}, and scorerRows (rows, R, 8h) of replica r at
 *   {@code scorerRowsOff + r * scorerRowsStride} gets the rows' weight gradients
 *   {@code dl_m [relu(input_m), relu(recurrent_m)]}, for the caller to sum;</li>
 *   <li>gradScores, when not null, gets ds (rows, R), laid out as scores (the Modular-op router's input);</li>
 *   <li>gradCPrev, when not null, gets {@code sum_m dcNew_m f_m} (rows, h) of replica r at
 *   {@code gradCPrevOff + r * gradCPrevStride}, overwritten.</li>
 * </ul>
 * The previous h's gradient (through recurrent's product) is the caller's. Reference: {@link ScalarLstmCell}; on the
 * GPU: lstm_cell.cu's lstm_cell_backward, one block per (replica, row), a warp per module for ds, then threads over
 * the hidden units.
 */
public final class LstmCellBackward implements Op {
    private final LstmStep step;
    private final LstmStep.Operands in;
    private final int gradCPrevOff;
    private final int gradCPrevStride;
    private final int scorerRowsOff;
    private final int scorerRowsStride;
    private final Mat gradH;         // the step's rows of (rep, rowsPerReplica, h)
    private final Mat gradC;         // as gradH
    private final Mat gradLogits;    // the step's rows of (rep, rowsPerReplica, R); null without a scorer or one
    private final Mat gradCPrev;     // rep items of (rows, h); null: not wanted
    private final Mat gradInput;     // the step's rows of (rep, rowsPerReplica, 4Rh)
    private final Mat gradRecurrent; // as gradInput
    private final Mat gradScores;    // as gradLogits; null: not wanted
    private final Mat scorerRows;    // rep items of (rows, 8Rh); null without a scorer

    public LstmCellBackward(int rep, int rows, int rowsPerReplica, int row0, int modules, int hidden,
                            boolean torchGateOrder, FloatBuf input, FloatBuf recurrent,
                            FloatBuf scorer, int scorerOff, int scorerStride, FloatBuf scores,
                            FloatBuf cPrev, int cPrevOff, int cPrevStride, FloatBuf gates, FloatBuf cells,
                            FloatBuf gradH, FloatBuf gradC, FloatBuf gradLogits, FloatBuf gradCPrev, int gradCPrevOff,
                            int gradCPrevStride, FloatBuf gradInput, FloatBuf gradRecurrent, FloatBuf gradScores,
                            FloatBuf scorerRows, int scorerRowsOff, int scorerRowsStride) {
        if (scorer != null && scorerRows == null) {
            throw new IllegalArgumentException("the LSTM step's backward with a scorer needs scorerRows");
        }
        this.step = new LstmStep(rep, rows, rowsPerReplica, row0, modules, hidden);
        this.in = step.operands(torchGateOrder, input, recurrent, scorer, scorerOff, scorerStride, scores, cPrev,
                cPrevOff, cPrevStride, gates, cells);
        int gateWidth = step.gateWidth();
        this.gradCPrevOff = gradCPrevOff;
        this.gradCPrevStride = gradCPrevStride;
        this.scorerRowsOff = scorerRowsOff;
        this.scorerRowsStride = scorerRowsStride;
        this.gradH = step.perRow("gradH", gradH, hidden);
        this.gradC = step.perRow("gradC", gradC, hidden);
        this.gradLogits = scorer == null ? null : step.perRow("gradLogits", gradLogits, modules);
        this.gradCPrev = step.strided("gradCPrev", gradCPrev, gradCPrevOff, gradCPrevStride, rows, hidden);
        this.gradInput = step.perRow("gradInput", gradInput, gateWidth);
        this.gradRecurrent = step.perRow("gradRecurrent", gradRecurrent, gateWidth);
        this.gradScores = step.perRow("gradScores", gradScores, modules);
        this.scorerRows = scorer == null ? null : step.strided("scorerRows", scorerRows, scorerRowsOff,
                scorerRowsStride, rows, 2 * gateWidth);
    }

    @Override
    public void reference(Parallel pool) {
        runOn(ScalarLstmCell.local());
    }

    /** Runs the step on cell: the reference's, or a subclass's kernels with the reference's semantics. */
    public void runOn(ScalarLstmCell cell) {
        cell.backward(step.rep(), step.rows(), step.rowsPerReplica(), step.row0(), step.modules(), step.hidden(),
                in.torchGateOrder(), Host.floats(in.input()), Host.floats(in.recurrent()), Host.floats(in.scorer()),
                in.scorerOff(), in.scorerStride(), Host.floats(in.scores()), Host.floats(in.cPrev()), in.cPrevOff(),
                in.cPrevStride(), Host.floats(in.gates()), Host.floats(in.cells()), Host.floats(gradH),
                Host.floats(gradC), Host.floats(gradLogits), Host.floats(gradCPrev), gradCPrevOff, gradCPrevStride,
                Host.floats(gradInput), Host.floats(gradRecurrent), Host.floats(gradScores), Host.floats(scorerRows),
                scorerRowsOff, scorerRowsStride);
    }

    @Override
    public void launch(Gpu gpu) {
        step.launch(gpu, "lstm_cell_backward", step.modules(), step.args(gpu, in).ptr(gpu.at(gradH))
                .ptr(gpu.at(gradC)).ptr(gpu.at(gradLogits)).ptr(gpu.at(gradCPrev)).i(gradCPrevStride)
                .ptr(gpu.at(gradInput)).ptr(gpu.at(gradRecurrent)).ptr(gpu.at(gradScores)).ptr(gpu.at(scorerRows))
                .i(scorerRowsStride));
    }
}
