package modarch.backend.ops;

import modarch.backend.FloatBuf;
import modarch.backend.Mat;
import modarch.backend.Op;
import modarch.backend.cpu.Host;
import modarch.backend.cpu.Parallel;
import modarch.backend.cpu.ScalarLstmCell;
import modarch.backend.cuda.Gpu;

/**
 * One time step of R LSTM cells that share their state, fused (the reference's GroupLSTMCell; R = 1 with null scores
 * is PyTorch's nn.LSTMCell), for rows step rows {@code [row0, row0 + rows)} of every replica:
 * <pre>
 *   pre = input + recurrent                    (rows, R, 4h): module m's gates at columns 4 m h
 *   i, f, o = sigmoid, g = tanh of the gate blocks, in the order i, f, o, g (the reference's GroupLSTMCell)
 *             or i, f, g, o when torchGateOrder (nn.LSTMCell's)
 *   cNew_m = f c_prev + i g,  hNew_m = o tanh(cNew_m)
 *   h = sum_m s_m hNew_m,  c = sum_m s_m cNew_m
 * </pre>
 * The scores s (rows, R) are read from scores; or, when scorer is not null (the Modular kind), computed and written
 * there: {@code s = softmax_m(relu(input_m) . w_m[0, 4h) + relu(recurrent_m) . w_m[4h, 8h))} (dots summed in
 * increasing column, softmax max-subtracted), scorer holding w (R, 8h) of replica r at
 * {@code scorerOff + r * scorerStride}; null scores mean s = 1 (R must be 1). Every per-row buffer holds
 * rowsPerReplica rows per replica (replica r's block at r * rowsPerReplica * width): input, recurrent and gates
 * (4Rh wide), cells (Rh), scores (R), h and c (h wide). c_prev (rows, h) of replica r starts at
 * {@code cPrevOff + r * cPrevStride}. Writes gates (the activations i, f, o, g in pre's layout), cells (cNew of every
 * module), h and c; with a scorer and logits not null, also the self-scores' logits (the softmax's input, for the
 * routing regularisers) into logits (rows, R), laid out as scores (ignored without a scorer). Sigmoid and tanh are
 * evaluated in float. Reference: {@link ScalarLstmCell}; on the GPU: lstm_cell.cu's lstm_cell_forward, one block per
 * (replica, row), a warp per module for the self-scores, one thread for their softmax, threads over the hidden units
 * for the cells.
 */
public final class LstmCellForward implements Op {
    private final LstmStep step;
    private final LstmStep.Operands in;
    private final Mat h;      // the step's rows of (rep, rowsPerReplica, h)
    private final Mat c;      // as h
    private final Mat logits; // the step's rows of (rep, rowsPerReplica, R); null without a scorer or when not kept

    public LstmCellForward(int rep, int rows, int rowsPerReplica, int row0, int modules, int hidden,
                           boolean torchGateOrder, FloatBuf input, FloatBuf recurrent,
                           FloatBuf scorer, int scorerOff, int scorerStride, FloatBuf scores,
                           FloatBuf cPrev, int cPrevOff, int cPrevStride,
                           FloatBuf gates, FloatBuf cells, FloatBuf h, FloatBuf c, FloatBuf logits) {
        this.step = new LstmStep(rep, rows, rowsPerReplica, row0, modules, hidden);
        this.in = step.operands(torchGateOrder, input, recurrent, scorer, scorerOff, scorerStride, scores, cPrev,
                cPrevOff, cPrevStride, gates, cells);
        this.h = step.perRow("h", h, hidden);
        this.c = step.perRow("c", c, hidden);
        this.logits = scorer == null ? null : step.perRow("logits", logits, modules);
    }

    @Override
    public void reference(Parallel pool) {
        runOn(ScalarLstmCell.local());
    }

    /** Runs the step on cell: the reference's, or a subclass's kernels with the reference's semantics. */
    public void runOn(ScalarLstmCell cell) {
        cell.forward(step.rep(), step.rows(), step.rowsPerReplica(), step.row0(), step.modules(), step.hidden(),
                in.torchGateOrder(), Host.floats(in.input()), Host.floats(in.recurrent()), Host.floats(in.scorer()),
                in.scorerOff(), in.scorerStride(), Host.floats(in.scores()), Host.floats(in.cPrev()), in.cPrevOff(),
                in.cPrevStride(), Host.floats(in.gates()), Host.floats(in.cells()), Host.floats(h), Host.floats(c),
                Host.floats(logits));
    }

    @Override
    public void launch(Gpu gpu) {
        step.launch(gpu, "lstm_cell_forward", in.scorer() != null ? step.modules() : 1,
                step.args(gpu, in).ptr(gpu.at(h)).ptr(gpu.at(c)).ptr(gpu.at(logits)));
    }
}
