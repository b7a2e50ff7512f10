package modarch.backend.ops;

import java.util.ArrayList;
import java.util.List;
import modarch.backend.FloatBuf;
import modarch.backend.Mat;
import modarch.backend.Op;
import modarch.backend.cuda.Gpu;

/**
 * Backpropagation through a window of LSTM steps ({@link LstmWindow}) that ran forward from the zero state, from
 * gradH (rows, h): the loss's gradient w.r.t. every step's h. gradC (rows, h) is zeroed, then for
 * t = steps - 1 .. 0: step t's {@link LstmCellBackward} (gradInput and gradRecurrent, c_prev's gradient into gradC's
 * step t - 1 rows, the self-scorer's row gradients into scorerRows: (rows, 8Rh) per replica, or one step's
 * (E, 8Rh), {@link LstmWindow#scorerRowsKept}), the sum of the step's scorer rows into scorerGrad, then, at t > 0,
 * {@code dh_{t-1} += d recurrent_t . W_hh} into gradH. The weight gradients of the products are the caller's, after.
 * <p>Its parts, in that order, are the CPU's. On the GPU, a window {@link LstmWindow#fused} takes lstm_cell.cu's
 * lstm_window_backward (each block LSTM_WINDOW_SEQUENCES sequences through every step, each recurrent sum in
 * increasing gate column), then, with a scorer, one column sum of every step's scorer rows: two launches. Any other
 * window launches its parts.
 */
public final class LstmWindowBackward extends LstmWindowOp {
    private final Mat gradH;          // (rep, rows, h)
    private final Mat gradC;          // as gradH
    private final Mat gradLogits;     // (rep, rows, R); null: none
    private final Mat gradInput;      // (rep, rows, 4Rh)
    private final Mat gradRecurrent;  // as gradInput
    private final Mat gradScores;     // (rep, rows, R); null: not wanted
    private final Mat scorerRows;     // (rep, rows, 8Rh); null without a scorer or where the window is not fused
    private final ColumnSumAccumulate scorerSums; // every row of scorerRows into scorerGrad; null as scorerRows

    /**
     * scorerGrad: rep items of (8Rh), the scorer's gradient (null without a scorer); gradLogits: a gradient w.r.t. the
     * self-scores' logits from beyond the window (null: none); gradScores: ds out (null: not wanted).
     */
    public LstmWindowBackward(LstmWindow window, FloatBuf gradH, FloatBuf gradC, FloatBuf gradLogits,
                              FloatBuf gradInput, FloatBuf gradRecurrent, FloatBuf gradScores, FloatBuf scorerRows,
                              Mat scorerGrad) {
        super(window, parts(window, gradH, gradC, gradLogits, gradInput, gradRecurrent, gradScores, scorerRows,
                scorerGrad));
        int hidden = window.hidden(), gateWidth = window.gateWidth(), modules = window.modules();
        boolean scorer = window.scorer() != null, allRows = scorer && window.fused();
        this.gradH = window.perRow("gradH", gradH, hidden);
        this.gradC = window.perRow("gradC", gradC, hidden);
        this.gradLogits = scorer ? window.perRow("gradLogits", gradLogits, modules) : null;
        this.gradInput = window.perRow("gradInput", gradInput, gateWidth);
        this.gradRecurrent = window.perRow("gradRecurrent", gradRecurrent, gateWidth);
        this.gradScores = window.perRow("gradScores", gradScores, modules);
        this.scorerRows = allRows ? window.perRow("scorerRows", scorerRows, 2 * gateWidth) : null;
        this.scorerSums = allRows ? new ColumnSumAccumulate(this.scorerRows, scorerGrad) : null;
    }

    private static List<Op> parts(LstmWindow window, FloatBuf gradH, FloatBuf gradC, FloatBuf gradLogits,
                                  FloatBuf gradInput, FloatBuf gradRecurrent, FloatBuf gradScores, FloatBuf scorerRows,
                                  Mat scorerGrad) {
        if ((window.scorer() == null) != (scorerGrad == null)) {
            throw new IllegalArgumentException("an LSTM window's backward has a scorer gradient exactly when it has a"
                    + " scorer");
        }
        List<Op> ops = new ArrayList<>();
        ops.add(new Fill(Mat.vector("gradC", gradC, 0, window.rep() * window.rows() * window.hidden()), 0f));
        for (int t = window.steps() - 1; t >= 0; t--) {
            ops.add(window.cellBackward(t, gradH, gradC, gradLogits, gradInput, gradRecurrent, gradScores,
                    scorerRows));
            if (scorerGrad != null) ops.add(new ColumnSumAccumulate(stepRows(window, scorerRows, t), scorerGrad));
            if (t > 0) ops.add(window.recurrentGrad(t, gradRecurrent, gradH));
        }
        return ops;
    }

    /** Step t's rows (E, 8Rh) of scorerRows. */
    private static Mat stepRows(LstmWindow window, FloatBuf scorerRows, int t) {
        return window.step(t).strided("scorerRows", scorerRows, window.scorerRowsOff(t), window.scorerRowsStride(),
                window.examples(), 2 * window.gateWidth());
    }

    @Override
    void launchFused(Gpu gpu) {
        window.launch(gpu, "lstm_window_backward", window.args(gpu).ptr(gpu.at(gradH)).ptr(gpu.at(gradC))
                .ptr(gpu.at(gradLogits)).ptr(gpu.at(gradInput)).ptr(gpu.at(gradRecurrent)).ptr(gpu.at(gradScores))
                .ptr(gpu.at(scorerRows)));
        if (scorerSums != null) scorerSums.launch(gpu);
    }
}
