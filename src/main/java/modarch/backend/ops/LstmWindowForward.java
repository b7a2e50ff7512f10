package modarch.backend.ops;

import java.util.ArrayList;
import java.util.List;
import modarch.backend.FloatBuf;
import modarch.backend.Mat;
import modarch.backend.Op;
import modarch.backend.cuda.Gpu;

/**
 * A window of LSTM steps forward ({@link LstmWindow}): from the zero state (cInit zeroed, h_{-1} = 0) when fromZero,
 * else from hInit and cInit; then for t = 0 .. steps - 1 the recurrent product of the state before step t
 * ({@code recurrent_t = h_{t-1} . W_hh^T + b_hh}) and step t's {@link LstmCellForward}. The input products of every
 * step are the caller's, before.
 * <p>Its parts, in that order, are the CPU's. On the GPU, a window {@link LstmWindow#fused} takes lstm_cell.cu's
 * lstm_window_forward, one launch: each block runs LSTM_WINDOW_SEQUENCES sequences through every step, each recurrent
 * sum in increasing k; any other window launches its parts.
 */
public final class LstmWindowForward extends LstmWindowOp {
    private final boolean fromZero;
    private final Mat logits; // (rep, rows, R): the self-scores' logits out; null: not kept

    public LstmWindowForward(LstmWindow window, boolean fromZero, FloatBuf logits) {
        super(window, parts(window, fromZero, logits));
        this.fromZero = fromZero;
        this.logits = window.scorer() == null ? null : window.perRow("logits", logits, window.modules());
    }

    private static List<Op> parts(LstmWindow window, boolean fromZero, FloatBuf logits) {
        List<Op> ops = new ArrayList<>();
        if (fromZero) {
            ops.add(new Fill(Mat.vector("cInit", window.cInit(), 0, window.rep() * window.examples() * window.hidden()),
                    0f));
        }
        for (int t = 0; t < window.steps(); t++) {
            ops.add(window.recurrentProduct(t, fromZero));
            ops.add(window.cellForward(t, logits));
        }
        return ops;
    }

    @Override
    void launchFused(Gpu gpu) {
        window.launch(gpu, "lstm_window_forward", window.args(gpu).flag(fromZero).ptr(gpu.at(logits)));
    }
}
