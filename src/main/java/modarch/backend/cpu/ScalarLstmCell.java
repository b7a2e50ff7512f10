package modarch.backend.cpu;

import modarch.backend.Backend;

/**
 * The scalar reference of {@link Backend#lstmCellForward} and {@link Backend#lstmCellBackward}: plain loops, one
 * row at a time, float sums in increasing index order, sigmoid and tanh rounded to float from double. Both CPU
 * backends run it (the step is pointwise work next to the GEMMs around it). Allocates nothing.
 */
final class ScalarLstmCell {

    /** A thread's ds of one row, (R). */
    private static final ThreadLocal<float[][]> SCORE_GRAD = ThreadLocal.withInitial(() -> new float[][] {new float[0]});

    private ScalarLstmCell() {
    }

    private static float[] scoreGradScratch(int modules) {
        float[][] holder = SCORE_GRAD.get();
        if (holder[0].length < modules) holder[0] = new float[modules];
        return holder[0];
    }

    /** Where the four gates of a module sit inside its 4h block: i, f, o, g, or nn.LSTMCell's i, f, g, o. */
    private record GateOffsets(int i, int f, int o, int g) {
        static GateOffsets of(int hidden, boolean torchGateOrder) {
            return torchGateOrder ? new GateOffsets(0, hidden, 3 * hidden, 2 * hidden)
                    : new GateOffsets(0, hidden, 2 * hidden, 3 * hidden);
        }
    }

    static float sigmoid(float x) {
        return (float) (1.0 / (1.0 + Math.exp(-x)));
    }

    static float tanh(float x) {
        return (float) Math.tanh(x);
    }

    /** See {@link Backend#lstmCellForward}; arrays are the buffers' contents. */
    static void forward(int rep, int rows, int rowsPerReplica, int row0, int modules, int hidden,
                        boolean torchGateOrder, float[] input, float[] recurrent,
                        float[] scorer, int scorerOff, int scorerStride, float[] scores,
                        float[] cPrev, int cPrevOff, int cPrevStride,
                        float[] gates, float[] cells, float[] h, float[] c) {
        int width = 4 * hidden;
        int gateWidth = modules * width;
        GateOffsets at = GateOffsets.of(hidden, torchGateOrder);
        for (int r = 0; r < rep; r++) {
            for (int i = 0; i < rows; i++) {
                int row = r * rowsPerReplica + row0 + i;
                int pre = row * gateWidth;            // module m's gates at pre + m * width
                int scoreRow = row * modules;
                if (scorer != null) {
                    selfScores(input, recurrent, pre, modules, width, scorer, scorerOff + r * scorerStride, scores,
                            scoreRow);
                }
                int state = row * hidden;
                int prev = cPrevOff + r * cPrevStride + i * hidden;
                for (int j = 0; j < hidden; j++) {
                    float hSum = 0f, cSum = 0f;
                    for (int m = 0; m < modules; m++) {
                        int g = pre + m * width + j;
                        float ig = sigmoid(input[g + at.i] + recurrent[g + at.i]);
                        float fg = sigmoid(input[g + at.f] + recurrent[g + at.f]);
                        float og = sigmoid(input[g + at.o] + recurrent[g + at.o]);
                        float gg = tanh(input[g + at.g] + recurrent[g + at.g]);
                        gates[g + at.i] = ig;
                        gates[g + at.f] = fg;
                        gates[g + at.o] = og;
                        gates[g + at.g] = gg;
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
        }
    }

    /** The Modular scores of one row: softmax over modules of relu(input_m, recurrent_m) . w_m, into scores. */
    private static void selfScores(float[] input, float[] recurrent, int pre, int modules, int width,
                                   float[] scorer, int w, float[] scores, int scoreRow) {
        for (int m = 0; m < modules; m++) {
            int x = pre + m * width, wm = w + 2 * m * width;
            float dot = 0f;
            for (int k = 0; k < width; k++) dot += Math.max(input[x + k], 0f) * scorer[wm + k];
            for (int k = 0; k < width; k++) dot += Math.max(recurrent[x + k], 0f) * scorer[wm + width + k];
            scores[scoreRow + m] = dot;
        }
        ScalarBackend.softmaxRange(0, 1, modules, scores, scoreRow, scores, scoreRow);
    }

    /** See {@link Backend#lstmCellBackward}; arrays are the buffers' contents. */
    static void backward(int rep, int rows, int rowsPerReplica, int row0, int modules, int hidden,
                         boolean torchGateOrder, float[] input, float[] recurrent,
                         float[] scorer, int scorerOff, int scorerStride, float[] scores,
                         float[] cPrev, int cPrevOff, int cPrevStride, float[] gates, float[] cells,
                         float[] gradH, float[] gradC, float[] gradCPrev, int gradCPrevOff, int gradCPrevStride,
                         float[] gradInput, float[] gradRecurrent, float[] gradScores, float[] scorerRows) {
        float[] scoreGrad = scoreGradScratch(modules);
        int width = 4 * hidden;
        int gateWidth = modules * width;
        GateOffsets at = GateOffsets.of(hidden, torchGateOrder);
        for (int r = 0; r < rep; r++) {
            for (int i = 0; i < rows; i++) {
                int row = r * rowsPerReplica + row0 + i;
                int pre = row * gateWidth;
                int state = row * hidden;
                int scoreRow = row * modules;
                int prev = cPrevOff + r * cPrevStride + i * hidden;
                // ds_m = dh . hNew_m + dc . cNew_m
                for (int m = 0; m < modules; m++) {
                    float ds = 0f;
                    for (int j = 0; j < hidden; j++) {
                        float cell = cells[(row * modules + m) * hidden + j];
                        float hNew = gates[pre + m * width + at.o + j] * tanh(cell);
                        ds += gradH[state + j] * hNew + gradC[state + j] * cell;
                    }
                    scoreGrad[m] = ds;
                    if (gradScores != null) gradScores[scoreRow + m] = ds;
                }
                int cPrevGrad = gradCPrev == null ? -1 : gradCPrevOff + r * gradCPrevStride + i * hidden;
                for (int j = 0; j < hidden; j++) {
                    float dcPrev = 0f;
                    for (int m = 0; m < modules; m++) {
                        int g = pre + m * width + j;
                        float s = scores == null ? 1f : scores[scoreRow + m];
                        float ig = gates[g + at.i], fg = gates[g + at.f], og = gates[g + at.o], gg = gates[g + at.g];
                        float tc = tanh(cells[(row * modules + m) * hidden + j]);
                        float dhNew = s * gradH[state + j];
                        float dcNew = s * gradC[state + j] + dhNew * og * (1f - tc * tc);
                        float di = dcNew * gg * ig * (1f - ig);
                        float df = dcNew * cPrev[prev + j] * fg * (1f - fg);
                        float dOut = dhNew * tc * og * (1f - og);
                        float dg = dcNew * ig * (1f - gg * gg);
                        gradInput[g + at.i] = gradRecurrent[g + at.i] = di;
                        gradInput[g + at.f] = gradRecurrent[g + at.f] = df;
                        gradInput[g + at.o] = gradRecurrent[g + at.o] = dOut;
                        gradInput[g + at.g] = gradRecurrent[g + at.g] = dg;
                        dcPrev += dcNew * fg;
                    }
                    if (cPrevGrad >= 0) gradCPrev[cPrevGrad + j] = dcPrev;
                }
                if (scorer != null) {
                    scorerBackward(input, recurrent, pre, modules, width, scorer, scorerOff + r * scorerStride,
                            scores, scoreRow, scoreGrad, gradInput, gradRecurrent,
                            scorerRows, (r * rows + i) * 2 * gateWidth);
                }
            }
        }
    }

    /**
     * The Modular scorer's part of one row's backward: the softmax backward of ds (in scoreGrad), then the logits'
     * gradient into both pre-activation gradients and the row's weight gradients into scorerRows.
     */
    private static void scorerBackward(float[] input, float[] recurrent, int pre, int modules, int width,
                                       float[] scorer, int w, float[] scores, int scoreRow, float[] scoreGrad,
                                       float[] gradInput, float[] gradRecurrent, float[] scorerRows, int rowOut) {
        float dot = 0f;
        for (int m = 0; m < modules; m++) dot += scores[scoreRow + m] * scoreGrad[m];
        for (int m = 0; m < modules; m++) {
            float dl = scores[scoreRow + m] * (scoreGrad[m] - dot);
            int x = pre + m * width, wm = w + 2 * m * width, out = rowOut + 2 * m * width;
            for (int k = 0; k < width; k++) {
                if (input[x + k] > 0f) gradInput[x + k] += dl * scorer[wm + k];
                if (recurrent[x + k] > 0f) gradRecurrent[x + k] += dl * scorer[wm + width + k];
                scorerRows[out + k] = dl * Math.max(input[x + k], 0f);
                scorerRows[out + width + k] = dl * Math.max(recurrent[x + k], 0f);
            }
        }
    }
}
