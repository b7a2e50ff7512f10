package modarch.backend.cpu;

import static modarch.backend.cpu.GemmKernels.S;
import static modarch.backend.cpu.GemmKernels.VL;

import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorMask;
import jdk.incubator.vector.VectorOperators;
import modarch.backend.Backend;

/**
 * {@link Backend#lstmCellForward} and {@link Backend#lstmCellBackward} in Vector API kernels: the math of
 * {@link ScalarLstmCell}, lanes over the hidden units j (the last chunk masked), sigmoid and tanh from the Vector
 * API's EXP and TANH (SVML on x86: about 0.3 and 0.5 ns a lane here, against 60 ns for a scalar Math.tanh), the
 * scorer's dot products with FMA. Close to the reference's values, not its bits. Rows are split across the pool
 * when the call is large ({@link #PARALLEL_MIN}); results do not depend on the split.
 */
final class VectorLstmCell {
    /** From this many gate values (rows * 4Rh) on, a call is split across the pool: ~50 us of work. */
    static final long PARALLEL_MIN = 64 * 1024;

    private static final ThreadLocal<Call> CALLS = ThreadLocal.withInitial(Call::new);
    private static final ThreadLocal<float[][]> SCORE_GRAD = ThreadLocal.withInitial(() -> new float[][] {new float[0]});

    private VectorLstmCell() {
    }

    /** Where a module's four gates sit inside its 4h block (see {@link Backend#lstmCellForward}). */
    private static int[] gateOffsets(int hidden, boolean torchGateOrder) {
        // i, f, o, g
        return torchGateOrder ? new int[] {0, hidden, 3 * hidden, 2 * hidden} : new int[] {0, hidden, 2 * hidden, 3 * hidden};
    }

    /** See {@link Backend#lstmCellForward}; arrays are the buffers' contents. */
    static void forward(Parallel parallel, int rep, int rows, int rowsPerReplica, int row0, int modules, int hidden,
                        boolean torchGateOrder, float[] input, float[] recurrent,
                        float[] scorer, int scorerOff, int scorerStride, float[] scores,
                        float[] cPrev, int cPrevOff, int cPrevStride,
                        float[] gates, float[] cells, float[] h, float[] c) {
        Call call = CALLS.get();
        call.shape(false, rep, rows, rowsPerReplica, row0, modules, hidden, torchGateOrder);
        call.forwardArrays(input, recurrent, scorer, scorerOff, scorerStride, scores, cPrev, cPrevOff, cPrevStride,
                gates, cells, h, c);
        call.run(parallel);
    }

    /** See {@link Backend#lstmCellBackward}; arrays are the buffers' contents. */
    static void backward(Parallel parallel, int rep, int rows, int rowsPerReplica, int row0, int modules, int hidden,
                         boolean torchGateOrder, float[] input, float[] recurrent,
                         float[] scorer, int scorerOff, int scorerStride, float[] scores,
                         float[] cPrev, int cPrevOff, int cPrevStride, float[] gates, float[] cells,
                         float[] gradH, float[] gradC, float[] gradCPrev, int gradCPrevOff, int gradCPrevStride,
                         float[] gradInput, float[] gradRecurrent, float[] gradScores, float[] scorerRows) {
        Call call = CALLS.get();
        call.shape(true, rep, rows, rowsPerReplica, row0, modules, hidden, torchGateOrder);
        call.forwardArrays(input, recurrent, scorer, scorerOff, scorerStride, scores, cPrev, cPrevOff, cPrevStride,
                gates, cells, null, null);
        call.backwardArrays(gradH, gradC, gradCPrev, gradCPrevOff, gradCPrevStride, gradInput, gradRecurrent, gradScores,
                scorerRows);
        call.run(parallel);
    }

    private static FloatVector sigmoid(FloatVector x) {
        FloatVector one = FloatVector.broadcast(S, 1f);
        return one.div(x.neg().lanewise(VectorOperators.EXP).add(one));
    }

    private static FloatVector tanh(FloatVector x) {
        return x.lanewise(VectorOperators.TANH);
    }

    /** One calling thread's call, handed to the pool without allocating: rows [from, to) of rep * rows. */
    private static final class Call implements Parallel.IntRangeBody {
        private boolean backward, torchGateOrder;
        private int rows, rowsPerReplica, row0, modules, hidden, total;
        private int[] at; // i, f, o, g offsets
        private float[] input, recurrent, scorer, scores, cPrev, gates, cells, h, c;
        private int scorerOff, scorerStride, cPrevOff, cPrevStride;
        private float[] gradH, gradC, gradCPrev, gradInput, gradRecurrent, gradScores, scorerRows;
        private int gradCPrevOff, gradCPrevStride;

        void shape(boolean backward, int rep, int rows, int rowsPerReplica, int row0, int modules, int hidden,
                   boolean torchGateOrder) {
            this.backward = backward;
            this.rows = rows;
            this.rowsPerReplica = rowsPerReplica;
            this.row0 = row0;
            this.modules = modules;
            this.hidden = hidden;
            this.total = rep * rows;
            if (at == null || this.torchGateOrder != torchGateOrder || at[1] != hidden) at = gateOffsets(hidden, torchGateOrder);
            this.torchGateOrder = torchGateOrder;
        }

        void forwardArrays(float[] input, float[] recurrent, float[] scorer, int scorerOff, int scorerStride,
                           float[] scores, float[] cPrev, int cPrevOff, int cPrevStride, float[] gates, float[] cells,
                           float[] h, float[] c) {
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
        }

        void backwardArrays(float[] gradH, float[] gradC, float[] gradCPrev, int gradCPrevOff, int gradCPrevStride,
                            float[] gradInput, float[] gradRecurrent, float[] gradScores, float[] scorerRows) {
            this.gradH = gradH;
            this.gradC = gradC;
            this.gradCPrev = gradCPrev;
            this.gradCPrevOff = gradCPrevOff;
            this.gradCPrevStride = gradCPrevStride;
            this.gradInput = gradInput;
            this.gradRecurrent = gradRecurrent;
            this.gradScores = gradScores;
            this.scorerRows = scorerRows;
        }

        void run(Parallel parallel) {
            long work = (long) total * 4 * modules * hidden;
            if (parallel.threads() > 1 && total > 1 && work >= PARALLEL_MIN) {
                parallel.parallelFor(total, this);
            } else {
                run(0, total);
            }
        }

        @Override
        public void run(int from, int to) {
            for (int item = from; item < to; item++) {
                int r = item / rows, i = item % rows;
                if (backward) {
                    backwardRow(r, i);
                } else {
                    forwardRow(r, i);
                }
            }
        }

        private void forwardRow(int r, int i) {
            int width = 4 * hidden;
            int row = r * rowsPerReplica + row0 + i;
            int pre = row * modules * width;
            int scoreRow = row * modules;
            if (scorer != null) selfScores(pre, scorerOff + r * scorerStride, scoreRow);
            int state = row * hidden;
            int prev = cPrevOff + r * cPrevStride + i * hidden;
            for (int j = 0; j < hidden; j += VL) {
                VectorMask<Float> lanes = S.indexInRange(j, hidden);
                FloatVector hSum = FloatVector.zero(S), cSum = FloatVector.zero(S);
                FloatVector cp = FloatVector.fromArray(S, cPrev, prev + j, lanes);
                for (int m = 0; m < modules; m++) {
                    int g = pre + m * width + j;
                    FloatVector ig = sigmoid(preActivation(g + at[0], lanes));
                    FloatVector fg = sigmoid(preActivation(g + at[1], lanes));
                    FloatVector og = sigmoid(preActivation(g + at[2], lanes));
                    FloatVector gg = tanh(preActivation(g + at[3], lanes));
                    ig.intoArray(gates, g + at[0], lanes);
                    fg.intoArray(gates, g + at[1], lanes);
                    og.intoArray(gates, g + at[2], lanes);
                    gg.intoArray(gates, g + at[3], lanes);
                    FloatVector cell = fg.mul(cp).add(ig.mul(gg));
                    cell.intoArray(cells, (row * modules + m) * hidden + j, lanes);
                    float s = scores == null ? 1f : scores[scoreRow + m];
                    hSum = hSum.add(og.mul(tanh(cell)).mul(s));
                    cSum = cSum.add(cell.mul(s));
                }
                hSum.intoArray(h, state + j, lanes);
                cSum.intoArray(c, state + j, lanes);
            }
        }

        private FloatVector preActivation(int at, VectorMask<Float> lanes) {
            return FloatVector.fromArray(S, input, at, lanes).add(FloatVector.fromArray(S, recurrent, at, lanes));
        }

        /** softmax over modules of relu(input_m) . w_m[0, 4h) + relu(recurrent_m) . w_m[4h, 8h), into scores. */
        private void selfScores(int pre, int w, int scoreRow) {
            int width = 4 * hidden;
            for (int m = 0; m < modules; m++) {
                int x = pre + m * width, wm = w + 2 * m * width;
                FloatVector acc = FloatVector.zero(S);
                for (int k = 0; k < width; k += VL) {
                    VectorMask<Float> lanes = S.indexInRange(k, width);
                    acc = FloatVector.fromArray(S, input, x + k, lanes).max(0f)
                            .fma(FloatVector.fromArray(S, scorer, wm + k, lanes), acc);
                    acc = FloatVector.fromArray(S, recurrent, x + k, lanes).max(0f)
                            .fma(FloatVector.fromArray(S, scorer, wm + width + k, lanes), acc);
                }
                scores[scoreRow + m] = acc.reduceLanes(VectorOperators.ADD);
            }
            ScalarBackend.softmaxRange(0, 1, modules, scores, scoreRow, scores, scoreRow);
        }

        private void backwardRow(int r, int i) {
            int width = 4 * hidden;
            int row = r * rowsPerReplica + row0 + i;
            int pre = row * modules * width;
            int state = row * hidden;
            int scoreRow = row * modules;
            int prev = cPrevOff + r * cPrevStride + i * hidden;
            float[] ds = scoreGrad();
            for (int m = 0; m < modules; m++) {
                FloatVector acc = FloatVector.zero(S);
                int cellRow = (row * modules + m) * hidden;
                for (int j = 0; j < hidden; j += VL) {
                    VectorMask<Float> lanes = S.indexInRange(j, hidden);
                    FloatVector cell = FloatVector.fromArray(S, cells, cellRow + j, lanes);
                    FloatVector hNew = FloatVector.fromArray(S, gates, pre + m * width + at[2] + j, lanes).mul(tanh(cell));
                    acc = FloatVector.fromArray(S, gradH, state + j, lanes).fma(hNew, acc);
                    acc = FloatVector.fromArray(S, gradC, state + j, lanes).fma(cell, acc);
                }
                ds[m] = acc.reduceLanes(VectorOperators.ADD);
                if (gradScores != null) gradScores[scoreRow + m] = ds[m];
            }
            int cPrevGrad = gradCPrev == null ? -1 : gradCPrevOff + r * gradCPrevStride + i * hidden;
            FloatVector one = FloatVector.broadcast(S, 1f);
            for (int j = 0; j < hidden; j += VL) {
                VectorMask<Float> lanes = S.indexInRange(j, hidden);
                FloatVector dh = FloatVector.fromArray(S, gradH, state + j, lanes);
                FloatVector dc = FloatVector.fromArray(S, gradC, state + j, lanes);
                FloatVector cp = FloatVector.fromArray(S, cPrev, prev + j, lanes);
                FloatVector dcPrev = FloatVector.zero(S);
                for (int m = 0; m < modules; m++) {
                    int g = pre + m * width + j;
                    float s = scores == null ? 1f : scores[scoreRow + m];
                    FloatVector ig = FloatVector.fromArray(S, gates, g + at[0], lanes);
                    FloatVector fg = FloatVector.fromArray(S, gates, g + at[1], lanes);
                    FloatVector og = FloatVector.fromArray(S, gates, g + at[2], lanes);
                    FloatVector gg = FloatVector.fromArray(S, gates, g + at[3], lanes);
                    FloatVector tc = tanh(FloatVector.fromArray(S, cells, (row * modules + m) * hidden + j, lanes));
                    FloatVector dhNew = dh.mul(s);
                    FloatVector dcNew = dc.mul(s).add(dhNew.mul(og).mul(one.sub(tc.mul(tc))));
                    store(g + at[0], dcNew.mul(gg).mul(ig).mul(one.sub(ig)), lanes);
                    store(g + at[1], dcNew.mul(cp).mul(fg).mul(one.sub(fg)), lanes);
                    store(g + at[2], dhNew.mul(tc).mul(og).mul(one.sub(og)), lanes);
                    store(g + at[3], dcNew.mul(ig).mul(one.sub(gg.mul(gg))), lanes);
                    dcPrev = dcPrev.add(dcNew.mul(fg));
                }
                if (cPrevGrad >= 0) dcPrev.intoArray(gradCPrev, cPrevGrad + j, lanes);
            }
            if (scorer != null) scorerBackward(r, i, pre, scoreRow, ds);
        }

        private void store(int at, FloatVector gradient, VectorMask<Float> lanes) {
            gradient.intoArray(gradInput, at, lanes);
            gradient.intoArray(gradRecurrent, at, lanes);
        }

        /** The softmax backward of ds, then the logits' gradient into both pre-activations and scorerRows. */
        private void scorerBackward(int r, int i, int pre, int scoreRow, float[] ds) {
            int width = 4 * hidden;
            int w = scorerOff + r * scorerStride;
            int rowOut = (r * rows + i) * 2 * modules * width;
            float dot = 0f;
            for (int m = 0; m < modules; m++) dot += scores[scoreRow + m] * ds[m];
            for (int m = 0; m < modules; m++) {
                float dl = scores[scoreRow + m] * (ds[m] - dot);
                int x = pre + m * width, wm = w + 2 * m * width, out = rowOut + 2 * m * width;
                for (int k = 0; k < width; k += VL) {
                    VectorMask<Float> lanes = S.indexInRange(k, width);
                    FloatVector in = FloatVector.fromArray(S, input, x + k, lanes);
                    FloatVector rec = FloatVector.fromArray(S, recurrent, x + k, lanes);
                    FloatVector zero = FloatVector.zero(S);
                    FloatVector wa = FloatVector.fromArray(S, scorer, wm + k, lanes).mul(dl);
                    FloatVector wb = FloatVector.fromArray(S, scorer, wm + width + k, lanes).mul(dl);
                    FloatVector.fromArray(S, gradInput, x + k, lanes).add(zero.blend(wa, in.compare(VectorOperators.GT, 0f)))
                            .intoArray(gradInput, x + k, lanes);
                    FloatVector.fromArray(S, gradRecurrent, x + k, lanes).add(zero.blend(wb, rec.compare(VectorOperators.GT, 0f)))
                            .intoArray(gradRecurrent, x + k, lanes);
                    in.max(0f).mul(dl).intoArray(scorerRows, out + k, lanes);
                    rec.max(0f).mul(dl).intoArray(scorerRows, out + width + k, lanes);
                }
            }
        }

        private float[] scoreGrad() {
            float[][] holder = SCORE_GRAD.get();
            if (holder[0].length < modules) holder[0] = new float[modules];
            return holder[0];
        }
    }
}
