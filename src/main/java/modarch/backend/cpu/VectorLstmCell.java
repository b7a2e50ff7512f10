package modarch.backend.cpu;

import static modarch.backend.cpu.GemmKernels.S;
import static modarch.backend.cpu.GemmKernels.VL;

import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorOperators;


/**
 * {@link modarch.backend.ops.LstmCellForward} and {@link modarch.backend.ops.LstmCellBackward} in Vector API
 * kernels: {@link ScalarLstmCell}'s rows with their leading hidden units (and scorer columns) in whole lanes, the rest
 * (fewer than a vector) in its scalar loops. Lanes take sigmoid and tanh from the reference's functions, lane by
 * lane (the Vector API's EXP and TANH gave bits that depended on the JIT's timing), and the scorer's dot products
 * with FMA; no masked loads or stores (JDK 17 runs those lane by lane). Close to the reference's values, not its bits.
 * Rows are split across the pool when the call is large ({@link #PARALLEL_MIN}); results do not depend on the split.
 */
final class VectorLstmCell extends ScalarLstmCell {
    /** From this many gate values (rows * 4Rh) on, a call is split across the pool: ~50 us of work. */
    static final long PARALLEL_MIN = 64 * 1024;

    private static final ThreadLocal<VectorLstmCell> CALLS = ThreadLocal.withInitial(VectorLstmCell::new);

    private Parallel parallel;

    /** The calling thread's call object, splitting its rows over parallel. */
    static VectorLstmCell local(Parallel parallel) {
        VectorLstmCell call = CALLS.get();
        call.parallel = parallel;
        return call;
    }

    @Override
    protected void execute() {
        long work = (long) total * 4 * modules * hidden;
        if (parallel.threads() > 1 && total > 1 && work >= PARALLEL_MIN) {
            parallel.parallelFor(total, this);
        } else {
            run(0, total);
        }
    }

    /** A lane buffer per thread of the pool: the rows of one call run on several. */
    private static final ThreadLocal<float[]> LANES = ThreadLocal.withInitial(() -> new float[VL]);

    /**
     * The reference's sigmoid lane by lane, through lanes: the Vector API's EXP and TANH give other bits before C2
     * compiles them than after, so a run's bits depended on the JIT's timing; {@link Math#exp} gives the same bits
     * interpreted and compiled.
     */
    private static FloatVector sigmoid(FloatVector x, float[] lanes) {
        x.intoArray(lanes, 0);
        for (int l = 0; l < VL; l++) lanes[l] = sigmoid(lanes[l]);
        return FloatVector.fromArray(S, lanes, 0);
    }

    /** The reference's tanh lane by lane, as {@link #sigmoid(FloatVector, float[])}. */
    private static FloatVector tanh(FloatVector x, float[] lanes) {
        x.intoArray(lanes, 0);
        for (int l = 0; l < VL; l++) lanes[l] = tanh(lanes[l]);
        return FloatVector.fromArray(S, lanes, 0);
    }

    /** Hidden units (or columns of n) in whole lanes. */
    private static int lanes(int n) {
        return n - n % VL;
    }

    @Override
    protected int selfScoreLanes(int x, int w, float[] dots, int m) {
        int done = lanes(width);
        FloatVector acc = FloatVector.zero(S);
        for (int k = 0; k < done; k += VL) {
            acc = FloatVector.fromArray(S, input, x + k).max(0f).fma(FloatVector.fromArray(S, scorer, w + k), acc);
            acc = FloatVector.fromArray(S, recurrent, x + k).max(0f)
                    .fma(FloatVector.fromArray(S, scorer, w + width + k), acc);
        }
        dots[m] += acc.reduceLanes(VectorOperators.ADD);
        return done;
    }

    @Override
    protected int forwardLanes(int r, int i) {
        int done = lanes(hidden);
        float[] lanes = LANES.get();
        int row = row(r, i);
        int pre = row * modules * width;
        int scoreRow = row * modules;
        int state = row * hidden;
        int prev = cPrevOff + r * cPrevStride + i * hidden;
        for (int j = 0; j < done; j += VL) {
            FloatVector hSum = FloatVector.zero(S), cSum = FloatVector.zero(S);
            FloatVector cp = FloatVector.fromArray(S, cPrev, prev + j);
            for (int m = 0; m < modules; m++) {
                int g = pre + m * width + j;
                FloatVector ig = sigmoid(preActivation(g + gateI), lanes);
                FloatVector fg = sigmoid(preActivation(g + gateF), lanes);
                FloatVector og = sigmoid(preActivation(g + gateO), lanes);
                FloatVector gg = tanh(preActivation(g + gateG), lanes);
                ig.intoArray(gates, g + gateI);
                fg.intoArray(gates, g + gateF);
                og.intoArray(gates, g + gateO);
                gg.intoArray(gates, g + gateG);
                FloatVector cell = fg.mul(cp).add(ig.mul(gg));
                cell.intoArray(cells, (row * modules + m) * hidden + j);
                float s = scores == null ? 1f : scores[scoreRow + m];
                hSum = hSum.add(og.mul(tanh(cell, lanes)).mul(s));
                cSum = cSum.add(cell.mul(s));
            }
            hSum.intoArray(h, state + j);
            cSum.intoArray(c, state + j);
        }
        return done;
    }

    private FloatVector preActivation(int at) {
        return FloatVector.fromArray(S, input, at).add(FloatVector.fromArray(S, recurrent, at));
    }

    @Override
    protected int scoreGradLanes(int row, int m, float[] ds) {
        int done = lanes(hidden);
        float[] lanes = LANES.get();
        int state = row * hidden;
        int cellRow = (row * modules + m) * hidden;
        int o = row * modules * width + m * width + gateO;
        FloatVector acc = FloatVector.zero(S);
        for (int j = 0; j < done; j += VL) {
            FloatVector cell = FloatVector.fromArray(S, cells, cellRow + j);
            FloatVector hNew = FloatVector.fromArray(S, gates, o + j).mul(tanh(cell, lanes));
            acc = FloatVector.fromArray(S, gradH, state + j).fma(hNew, acc);
            acc = FloatVector.fromArray(S, gradC, state + j).fma(cell, acc);
        }
        ds[m] += acc.reduceLanes(VectorOperators.ADD);
        return done;
    }

    @Override
    protected int backwardLanes(int r, int i) {
        int done = lanes(hidden);
        float[] lanes = LANES.get();
        int row = row(r, i);
        int pre = row * modules * width;
        int state = row * hidden;
        int scoreRow = row * modules;
        int prev = cPrevOff + r * cPrevStride + i * hidden;
        int cPrevGrad = gradCPrev == null ? -1 : gradCPrevOff + r * gradCPrevStride + i * hidden;
        FloatVector one = FloatVector.broadcast(S, 1f);
        for (int j = 0; j < done; j += VL) {
            FloatVector dh = FloatVector.fromArray(S, gradH, state + j);
            FloatVector dc = FloatVector.fromArray(S, gradC, state + j);
            FloatVector cp = FloatVector.fromArray(S, cPrev, prev + j);
            FloatVector dcPrev = FloatVector.zero(S);
            for (int m = 0; m < modules; m++) {
                int g = pre + m * width + j;
                float s = scores == null ? 1f : scores[scoreRow + m];
                FloatVector ig = FloatVector.fromArray(S, gates, g + gateI);
                FloatVector fg = FloatVector.fromArray(S, gates, g + gateF);
                FloatVector og = FloatVector.fromArray(S, gates, g + gateO);
                FloatVector gg = FloatVector.fromArray(S, gates, g + gateG);
                FloatVector tc = tanh(FloatVector.fromArray(S, cells, (row * modules + m) * hidden + j), lanes);
                FloatVector dhNew = dh.mul(s);
                FloatVector dcNew = dc.mul(s).add(dhNew.mul(og).mul(one.sub(tc.mul(tc))));
                store(g + gateI, dcNew.mul(gg).mul(ig).mul(one.sub(ig)));
                store(g + gateF, dcNew.mul(cp).mul(fg).mul(one.sub(fg)));
                store(g + gateO, dhNew.mul(tc).mul(og).mul(one.sub(og)));
                store(g + gateG, dcNew.mul(ig).mul(one.sub(gg.mul(gg))));
                dcPrev = dcPrev.add(dcNew.mul(fg));
            }
            if (cPrevGrad >= 0) dcPrev.intoArray(gradCPrev, cPrevGrad + j);
        }
        return done;
    }

    private void store(int at, FloatVector gradient) {
        gradient.intoArray(gradInput, at);
        gradient.intoArray(gradRecurrent, at);
    }

    @Override
    protected int scorerBackwardLanes(int x, int wm, int out, float dl) {
        int done = lanes(width);
        FloatVector zero = FloatVector.zero(S);
        for (int k = 0; k < done; k += VL) {
            FloatVector in = FloatVector.fromArray(S, input, x + k);
            FloatVector rec = FloatVector.fromArray(S, recurrent, x + k);
            FloatVector wa = FloatVector.fromArray(S, scorer, wm + k).mul(dl);
            FloatVector wb = FloatVector.fromArray(S, scorer, wm + width + k).mul(dl);
            FloatVector.fromArray(S, gradInput, x + k).add(zero.blend(wa, in.compare(VectorOperators.GT, 0f)))
                    .intoArray(gradInput, x + k);
            FloatVector.fromArray(S, gradRecurrent, x + k).add(zero.blend(wb, rec.compare(VectorOperators.GT, 0f)))
                    .intoArray(gradRecurrent, x + k);
            in.max(0f).mul(dl).intoArray(scorerRows, out + k);
            rec.max(0f).mul(dl).intoArray(scorerRows, out + width + k);
        }
        return done;
    }
}
