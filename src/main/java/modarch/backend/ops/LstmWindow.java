package modarch.backend.ops;

import modarch.backend.FloatBuf;
import modarch.backend.Mat;
import modarch.backend.Precision;
import modarch.backend.cuda.Gpu;
import modarch.backend.cuda.KernelArgs;
import modarch.backend.cuda.KernelGeometry;

/**
 * A window of LSTM steps over E sequences, every replica, with the recurrent products between the steps: what
 * {@link LstmWindowForward} and {@link LstmWindowBackward} share. Rows are time-major: step t of sequence e is row
 * t E + e of the per-row tensors, rows = steps E per replica (laid out as {@link LstmCellForward}'s with
 * rowsPerReplica = rows): input, recurrent and gates (rows, 4Rh), cells (rows, R h), scores (rows, R), h and c
 * (rows, h). hInit and cInit (rep, E, h) hold the state before step 0. weightHh (4Rh, h), biasHh (4Rh; null: none)
 * and scorer (R, 8h; null: none) are rep items one replica stride apart.
 */
public record LstmWindow(int rep, int examples, int steps, int modules, int hidden, boolean torchGateOrder,
                         Precision precision, Mat weightHh, Mat biasHh, Mat scorer, FloatBuf input, FloatBuf recurrent,
                         FloatBuf scores, FloatBuf hInit, FloatBuf cInit, FloatBuf gates, FloatBuf cells, FloatBuf h,
                         FloatBuf c) {
    /**
     * The most recurrent weights (4Rh times h) the window kernels take: each block reads them all at every step, for
     * LSTM_WINDOW_SEQUENCES sequences. 2^17 holds the paper's smallest capacity (32, 128) of every kind and R (the
     * most: R = 2, h = 91, 66,248), where a step's products are a few microseconds and launches dominate; the next,
     * (64, 256), has about 2^18, and such cells take a product launch per step, whose tiles share each weight among
     * more rows. Chosen from those counts, not yet timed on a GPU.
     */
    static final int MAX_FUSED_WEIGHTS = 1 << 17;

    public LstmWindow {
        if (steps < 1 || examples < 1) {
            throw new IllegalArgumentException("an LSTM window of " + steps + " steps of " + examples + " sequences");
        }
        int stride = weightHh.stride();
        if ((biasHh != null && biasHh.stride() != stride) || (scorer != null && scorer.stride() != stride)) {
            throw new IllegalArgumentException("an LSTM window's weight_hh, bias_hh and scorer share one replica"
                    + " stride, not " + stride + ", " + (biasHh == null ? "-" : biasHh.stride()) + " and "
                    + (scorer == null ? "-" : scorer.stride()));
        }
    }

    int rows() {
        return steps * examples;
    }

    int gateWidth() {
        return 4 * modules * hidden;
    }

    /**
     * Whether the window kernels run this window: FP32 products (tf32 and 3xtf32 take their own products' launches),
     * modules within LSTM_MAX_MODULES and weights within {@link #MAX_FUSED_WEIGHTS}. Chosen by the shape alone, so a
     * replica's bits do not depend on its group.
     */
    boolean fused() {
        return fuses(precision, modules, hidden);
    }

    /** Whether the window kernels take windows of R = modules cells of hidden units whose products are in precision. */
    public static boolean fuses(Precision precision, int modules, int hidden) {
        return precision == Precision.FP32 && modules <= KernelGeometry.LSTM_MAX_MODULES
                && 4L * modules * hidden * hidden <= MAX_FUSED_WEIGHTS;
    }

    /**
     * The rows of scorer row gradients (8Rh each) per replica that a window's backward needs: every row's where the
     * window kernels take it (they are summed after the last step), else one step's (summed after each step).
     */
    public static int scorerRowsKept(Precision precision, int modules, int hidden, int rows, int examples) {
        return fuses(precision, modules, hidden) ? rows : examples;
    }

    /** Step t's rows, E per replica. */
    LstmStep step(int t) {
        return new LstmStep(rep, examples, rows(), t * examples, modules, hidden);
    }

    /** Step t's rows (E, 4Rh) of a (rep, rows, 4Rh) buffer. */
    Mat gateRows(String name, FloatBuf buf, int t) {
        return step(t).perRow(name, buf, gateWidth());
    }

    /** Where the state before step t starts, replica 0: in hInit or cInit at t = 0, else at step t - 1's rows. */
    int previousOff(int t) {
        return t == 0 ? 0 : (t - 1) * examples * hidden;
    }

    /** The replica stride of the state before step t: the initial state's (E, h), or the window's (rows, h). */
    int previousStride(int t) {
        return (t == 0 ? 1 : steps) * examples * hidden;
    }

    /**
     * recurrent_t (E, 4Rh) = h_{t-1} (E, h) . W_hh^T (+ b_hh); from the zero state (t = 0, fromZero) the bias alone,
     * a product over k = 0.
     */
    Gemm recurrentProduct(int t, boolean fromZero) {
        boolean zero = t == 0 && fromZero;
        Mat previous = new Mat("h", t == 0 ? hInit : h, previousOff(t), rep, previousStride(t), examples,
                zero ? 0 : hidden, hidden);
        Mat w = new Mat("weight_hh", weightHh.buf(), weightHh.off(), rep, weightHh.stride(), gateWidth(),
                zero ? 0 : hidden, hidden);
        return Gemm.of(previous, false, w, true, gateRows("recurrent", recurrent, t)).precision(precision)
                .bias(biasHh);
    }

    /** t >= 1: dh_{t-1} (E, h) += d recurrent_t (E, 4Rh) . W_hh (4Rh, h). */
    Gemm recurrentGrad(int t, FloatBuf gradRecurrent, FloatBuf gradH) {
        return Gemm.of(gateRows("gradRecurrent", gradRecurrent, t), false, weightHh, false, new Mat("gradH", gradH,
                previousOff(t), rep, rows() * hidden, examples, hidden, hidden)).precision(precision).accumulate(true);
    }

    /** Step t's cell forward, its c_prev cInit at t = 0; logits: the self-scores' logits out (null: not kept). */
    LstmCellForward cellForward(int t, FloatBuf logits) {
        return new LstmCellForward(rep, examples, rows(), t * examples, modules, hidden, torchGateOrder, input,
                recurrent, scorerBuf(), scorerOff(), weightHh.stride(), scores, t == 0 ? cInit : c, previousOff(t),
                previousStride(t), gates, cells, h, c, logits);
    }

    /** Step t's cell backward; the gradient of c_prev into gradC's step t - 1 rows (none at t = 0). */
    LstmCellBackward cellBackward(int t, FloatBuf gradH, FloatBuf gradC, FloatBuf gradLogits, FloatBuf gradInput,
                                  FloatBuf gradRecurrent, FloatBuf gradScores, FloatBuf scorerRows) {
        return new LstmCellBackward(rep, examples, rows(), t * examples, modules, hidden, torchGateOrder, input,
                recurrent, scorerBuf(), scorerOff(), weightHh.stride(), scores, t == 0 ? cInit : c, previousOff(t),
                previousStride(t), gates, cells, gradH, gradC, gradLogits, t == 0 ? null : gradC, previousOff(t),
                rows() * hidden, gradInput, gradRecurrent, gradScores, scorerRows, scorerRowsOff(t), scorerRowsStride());
    }

    /** Where step t's scorer rows start, replica 0: at its own rows where every row is kept, else at 0. */
    int scorerRowsOff(int t) {
        return fused() ? t * examples * 2 * gateWidth() : 0;
    }

    /** The replica stride of the scorer rows: {@link #scorerRowsKept} rows of 8Rh. */
    int scorerRowsStride() {
        return scorerRowsKept(precision, modules, hidden, rows(), examples) * 2 * gateWidth();
    }

    private FloatBuf scorerBuf() {
        return scorer == null ? null : scorer.buf();
    }

    private int scorerOff() {
        return scorer == null ? 0 : scorer.off();
    }

    /** A per-row tensor of width floats a row: every replica's rows. */
    Mat perRow(String name, FloatBuf buf, int width) {
        return new LstmStep(rep, rows(), rows(), 0, modules, hidden).perRow(name, buf, width);
    }

    /** The initial state (rep, E, h). */
    Mat initial(String name, FloatBuf buf) {
        return new Mat(name, buf, 0, rep, examples * hidden, examples, hidden, hidden);
    }

    /** Both window kernels' first arguments (lstm_cell.cu's LSTM_WINDOW_PARAMS): the shape, tensors and state. */
    KernelArgs args(Gpu gpu) {
        int gateWidth = gateWidth();
        return KernelArgs.of().i(rep).i(examples).i(steps).i(modules).i(hidden).flag(torchGateOrder)
                .ptr(gpu.at(perRow("input", input, gateWidth))).ptr(gpu.at(perRow("recurrent", recurrent, gateWidth)))
                .ptr(gpu.at(weightHh)).ptr(gpu.at(biasHh)).ptr(gpu.at(scorer)).i(weightHh.stride())
                .ptr(gpu.at(perRow("scores", scores, modules))).ptr(gpu.at(initial("hInit", hInit)))
                .ptr(gpu.at(initial("cInit", cInit))).ptr(gpu.at(perRow("gates", gates, gateWidth)))
                .ptr(gpu.at(perRow("cells", cells, modules * hidden))).ptr(gpu.at(perRow("h", h, hidden)))
                .ptr(gpu.at(perRow("c", c, hidden)));
    }

    /** grid: a block per LSTM_WINDOW_SEQUENCES sequences of a replica; warps for the gate columns and the modules. */
    void launch(Gpu gpu, String kernel, KernelArgs args) {
        long items = (long) rep * Gpu.ceil(examples, KernelGeometry.LSTM_WINDOW_SEQUENCES);
        int warps = Math.max(1, Math.min(KernelGeometry.LSTM_WARPS, Math.max(Gpu.ceil(gateWidth(), 32), modules)));
        gpu.launch(kernel, (int) Math.min(items, Gpu.MAX_BLOCKS), 1, 1, 32 * warps, 0, args);
    }
}
