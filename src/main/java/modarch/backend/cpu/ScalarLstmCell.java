package modarch.backend.cpu;

import modarch.backend.ops.SoftmaxRows;

/**
 * The scalar reference of {@link modarch.backend.ops.LstmCellForward} and
 * {@link modarch.backend.ops.LstmCellBackward}: one call over its
 * rows, one row at a time, float sums in increasing index order, sigmoid and tanh computed in double from
 * {@link Math#exp} and rounded to float. The row drivers hand their leading hidden units (and scorer columns) to
 * hooks that do nothing here and take whole Vector API lanes in {@link VectorLstmCell}; these loops take the rest.
 * Work is split by rows ({@link #run(int, int)}); each thread's row scratch is its own. Allocates nothing once its
 * thread's scratch has grown to a shape.
 */
public class ScalarLstmCell implements Parallel.IntRangeBody {
    /** A thread's ds of one row, (R). */
    private static final ThreadLocal<float[][]> SCORE_GRAD = ThreadLocal.withInitial(() -> new float[][] {new float[0]});
    private static final ThreadLocal<ScalarLstmCell> CALLS = ThreadLocal.withInitial(ScalarLstmCell::new);

    protected boolean backward;
    protected int rows, rowsPerReplica, row0, modules, hidden, width, total;
    protected int gateI, gateF, gateO, gateG; // the gates' offsets inside a module's 4h block
    protected float[] input, recurrent, scorer, scores, cPrev, gates, cells, h, c, logits;
    protected int scorerOff, scorerStride, cPrevOff, cPrevStride;
    protected float[] gradH, gradC, gradLogits, gradCPrev, gradInput, gradRecurrent, gradScores, scorerRows;
    protected int gradCPrevOff, gradCPrevStride, scorerRowsOff, scorerRowsStride;

    /** The calling thread's call object. */
    public static ScalarLstmCell local() {
        return CALLS.get();
    }

    /** See {@link modarch.backend.ops.LstmCellForward}; arrays are the buffers' contents. */
    public final void forward(int rep, int rows, int rowsPerReplica, int row0, int modules, int hidden,
            boolean torchGateOrder,
                       float[] input, float[] recurrent, float[] scorer, int scorerOff, int scorerStride,
                       float[] scores, float[] cPrev, int cPrevOff, int cPrevStride,
                       float[] gates, float[] cells, float[] h, float[] c, float[] logits) {
        shape(false, rep, rows, rowsPerReplica, row0, modules, hidden, torchGateOrder);
        forwardArrays(input, recurrent, scorer, scorerOff, scorerStride, scores, cPrev, cPrevOff, cPrevStride, gates,
                cells, h, c, logits);
        execute();
        release();
    }

    /** See {@link modarch.backend.ops.LstmCellBackward}; arrays are the buffers' contents. */
    public final void backward(int rep, int rows, int rowsPerReplica, int row0, int modules, int hidden,
            boolean torchGateOrder,
                        float[] input, float[] recurrent, float[] scorer, int scorerOff, int scorerStride,
                        float[] scores, float[] cPrev, int cPrevOff, int cPrevStride, float[] gates, float[] cells,
                        float[] gradH, float[] gradC, float[] gradLogits, float[] gradCPrev, int gradCPrevOff,
                        int gradCPrevStride, float[] gradInput, float[] gradRecurrent, float[] gradScores,
                        float[] scorerRows, int scorerRowsOff, int scorerRowsStride) {
        shape(true, rep, rows, rowsPerReplica, row0, modules, hidden, torchGateOrder);
        forwardArrays(input, recurrent, scorer, scorerOff, scorerStride, scores, cPrev, cPrevOff, cPrevStride, gates,
                cells, null, null, null);
        backwardArrays(gradH, gradC, gradLogits, gradCPrev, gradCPrevOff, gradCPrevStride, gradInput, gradRecurrent,
                gradScores, scorerRows, scorerRowsOff, scorerRowsStride);
        execute();
        release();
    }

    /** Drops the call's arrays, so that a thread's call object does not keep a closed model's buffers alive. */
    private void release() {
        forwardArrays(null, null, null, 0, 0, null, null, 0, 0, null, null, null, null, null);
        backwardArrays(null, null, null, null, 0, 0, null, null, null, null, 0, 0);
    }

    /** Runs every row of the call: here on the calling thread. */
    protected void execute() {
        run(0, total);
    }

    static float sigmoid(float x) {
        return (float) (1.0 / (1.0 + Math.exp(-x)));
    }

    /** tanh from exp in double (Math.tanh is ~60 ns here): exact to float rounding, x itself where tanh x = x in float. */
    static float tanh(float x) {
        double a = Math.abs(x);
        if (a < 1e-4) return x;
        double t = 1.0 - 2.0 / (1.0 + Math.exp(2 * a));
        return (float) (x < 0 ? -t : t);
    }

    private void shape(boolean backward, int rep, int rows, int rowsPerReplica, int row0, int modules, int hidden,
                     boolean torchGateOrder) {
        this.backward = backward;
        this.rows = rows;
        this.rowsPerReplica = rowsPerReplica;
        this.row0 = row0;
        this.modules = modules;
        this.hidden = hidden;
        this.width = 4 * hidden;
        this.total = rep * rows;
        gateI = 0;
        gateF = hidden;
        gateO = (torchGateOrder ? 3 : 2) * hidden;
        gateG = (torchGateOrder ? 2 : 3) * hidden;
    }

    private void forwardArrays(float[] input, float[] recurrent, float[] scorer, int scorerOff, int scorerStride,
                             float[] scores, float[] cPrev, int cPrevOff, int cPrevStride, float[] gates,
                             float[] cells, float[] h, float[] c, float[] logits) {
        this.input = input;
        this.recurrent = recurrent;
        this.scorer = scorer;
        this.scorerOff = scorerOff;
        this.scorerStride = scorerStride;
        this.scores = scores;
        this.cPrev = cPrev;
        this.cPrevOff = cPrevOff;
        this.cPrevStride = cPrevStride;
        this.gates = gates;
        this.cells = cells;
        this.h = h;
        this.c = c;
        this.logits = logits;
    }

    private void backwardArrays(float[] gradH, float[] gradC, float[] gradLogits, float[] gradCPrev, int gradCPrevOff,
                              int gradCPrevStride, float[] gradInput, float[] gradRecurrent, float[] gradScores,
                              float[] scorerRows, int scorerRowsOff, int scorerRowsStride) {
        this.gradH = gradH;
        this.gradC = gradC;
        this.gradLogits = gradLogits;
        this.gradCPrev = gradCPrev;
        this.gradCPrevOff = gradCPrevOff;
        this.gradCPrevStride = gradCPrevStride;
        this.gradInput = gradInput;
        this.gradRecurrent = gradRecurrent;
        this.gradScores = gradScores;
        this.scorerRows = scorerRows;
        this.scorerRowsOff = scorerRowsOff;
        this.scorerRowsStride = scorerRowsStride;
    }

    /** Rows [from, to) of rep * rows (replica-major). */
    @Override
    public final void run(int from, int to) {
        for (int item = from; item < to; item++) {
            if (backward) {
                backwardRow(item / rows, item % rows);
            } else {
                forwardRow(item / rows, item % rows);
            }
        }
    }

    /** Row i of replica r: its index in the per-row buffers. */
    protected final int row(int r, int i) {
        return r * rowsPerReplica + row0 + i;
    }

    // ---- hooks: the leading units (or scorer columns) a subclass computes in lanes; returns how many -------------

    /** Adds relu(x) . w over the leading columns of module m's 4h block to dots[m]; returns the columns done. */
    protected int selfScoreLanes(int x, int w, float[] dots, int m) {
        return 0;
    }

    /** The forward of the leading hidden units of row (r, i); returns the units done. */
    protected int forwardLanes(int r, int i) {
        return 0;
    }

    /** ds_m over the leading units into ds[m]; returns the units done. */
    protected int scoreGradLanes(int row, int m, float[] ds) {
        return 0;
    }

    /** The backward of the leading hidden units of row (r, i); returns the units done. */
    protected int backwardLanes(int r, int i) {
        return 0;
    }

    /** The scorer's backward over the leading columns of module m with logit gradient dl; returns the columns done. */
    protected int scorerBackwardLanes(int x, int wm, int out, float dl) {
        return 0;
    }

    // ---- the rows ----------------------------------------------------------------------------------------------

    private void forwardRow(int r, int i) {
        int row = row(r, i);
        if (scorer != null) selfScores(row, scorerOff + r * scorerStride);
        int done = forwardLanes(r, i);
        int pre = row * modules * width;
        int scoreRow = row * modules;
        int state = row * hidden;
        int prev = cPrevOff + r * cPrevStride + i * hidden;
        for (int j = done; j < hidden; j++) {
            float hSum = 0f, cSum = 0f;
            for (int m = 0; m < modules; m++) {
                int g = pre + m * width + j;
                float ig = sigmoid(input[g + gateI] + recurrent[g + gateI]);
                float fg = sigmoid(input[g + gateF] + recurrent[g + gateF]);
                float og = sigmoid(input[g + gateO] + recurrent[g + gateO]);
                float gg = tanh(input[g + gateG] + recurrent[g + gateG]);
                gates[g + gateI] = ig;
                gates[g + gateF] = fg;
                gates[g + gateO] = og;
                gates[g + gateG] = gg;
                float cell = fg * cPrev[prev + j] + ig * gg;
                cells[(row * modules + m) * hidden + j] = cell;
                float s = scores == null ? 1f : scores[scoreRow + m];
                hSum += s * (og * tanh(cell));
                cSum += s * cell;
            }
            h[state + j] = hSum;
            c[state + j] = cSum;
        }
    }

    /**
     * The Modular scores of one row: softmax over modules of relu(input_m, recurrent_m) . w_m, into scores; the
     * logits also into logits when asked for.
     */
    private void selfScores(int row, int w) {
        int pre = row * modules * width;
        int scoreRow = row * modules;
        for (int m = 0; m < modules; m++) {
            int x = pre + m * width, wm = w + 2 * m * width;
            scores[scoreRow + m] = 0f;
            int done = selfScoreLanes(x, wm, scores, scoreRow + m);
            float dot = scores[scoreRow + m];
            for (int k = done; k < width; k++) dot += Math.max(input[x + k], 0f) * scorer[wm + k];
            for (int k = done; k < width; k++) dot += Math.max(recurrent[x + k], 0f) * scorer[wm + width + k];
            scores[scoreRow + m] = dot;
            if (logits != null) logits[scoreRow + m] = dot;
        }
        SoftmaxRows.rows(0, 1, modules, scores, scoreRow, scores, scoreRow);
    }

    private void backwardRow(int r, int i) {
        int row = row(r, i);
        int pre = row * modules * width;
        int state = row * hidden;
        int scoreRow = row * modules;
        float[] ds = scoreGrad();
        // ds_m = dh . hNew_m + dc . cNew_m
        for (int m = 0; m < modules; m++) {
            ds[m] = 0f;
            int done = scoreGradLanes(row, m, ds);
            float sum = ds[m];
            for (int j = done; j < hidden; j++) {
                float cell = cells[(row * modules + m) * hidden + j];
                float hNew = gates[pre + m * width + gateO + j] * tanh(cell);
                sum += gradH[state + j] * hNew + gradC[state + j] * cell;
            }
            ds[m] = sum;
            if (gradScores != null) gradScores[scoreRow + m] = sum;
        }
        int done = backwardLanes(r, i);
        int prev = cPrevOff + r * cPrevStride + i * hidden;
        int cPrevGrad = gradCPrev == null ? -1 : gradCPrevOff + r * gradCPrevStride + i * hidden;
        for (int j = done; j < hidden; j++) {
            float dcPrev = 0f;
            for (int m = 0; m < modules; m++) {
                int g = pre + m * width + j;
                float s = scores == null ? 1f : scores[scoreRow + m];
                float ig = gates[g + gateI], fg = gates[g + gateF], og = gates[g + gateO], gg = gates[g + gateG];
                float tc = tanh(cells[(row * modules + m) * hidden + j]);
                float dhNew = s * gradH[state + j];
                float dcNew = s * gradC[state + j] + dhNew * og * (1f - tc * tc);
                float di = dcNew * gg * ig * (1f - ig);
                float df = dcNew * cPrev[prev + j] * fg * (1f - fg);
                float dOut = dhNew * tc * og * (1f - og);
                float dg = dcNew * ig * (1f - gg * gg);
                gradInput[g + gateI] = gradRecurrent[g + gateI] = di;
                gradInput[g + gateF] = gradRecurrent[g + gateF] = df;
                gradInput[g + gateO] = gradRecurrent[g + gateO] = dOut;
                gradInput[g + gateG] = gradRecurrent[g + gateG] = dg;
                dcPrev += dcNew * fg;
            }
            if (cPrevGrad >= 0) gradCPrev[cPrevGrad + j] = dcPrev;
        }
        if (scorer != null) scorerBackward(r, i, pre, scoreRow, ds);
    }

    /**
     * The Modular scorer's part of one row's backward: the softmax backward of ds (plus the row's gradLogits, when
     * given), then the logits' gradient into both pre-activation gradients and the row's weight gradients into
     * scorerRows.
     */
    private void scorerBackward(int r, int i, int pre, int scoreRow, float[] ds) {
        int w = scorerOff + r * scorerStride;
        int rowOut = scorerRowsOff + r * scorerRowsStride + i * 2 * modules * width;
        float dot = 0f;
        for (int m = 0; m < modules; m++) dot += scores[scoreRow + m] * ds[m];
        for (int m = 0; m < modules; m++) {
            float dl = scores[scoreRow + m] * (ds[m] - dot);
            if (gradLogits != null) dl += gradLogits[scoreRow + m];
            int x = pre + m * width, wm = w + 2 * m * width, out = rowOut + 2 * m * width;
            for (int k = scorerBackwardLanes(x, wm, out, dl); k < width; k++) {
                if (input[x + k] > 0f) gradInput[x + k] += dl * scorer[wm + k];
                if (recurrent[x + k] > 0f) gradRecurrent[x + k] += dl * scorer[wm + width + k];
                scorerRows[out + k] = dl * Math.max(input[x + k], 0f);
                scorerRows[out + width + k] = dl * Math.max(recurrent[x + k], 0f);
            }
        }
    }

    private float[] scoreGrad() {
        float[][] holder = SCORE_GRAD.get();
        if (holder[0].length < modules) holder[0] = new float[modules];
        return holder[0];
    }
}
