package modarch.backend.cpu;

import static modarch.backend.cpu.GemmKernels.S;
import static modarch.backend.cpu.GemmKernels.VL;

import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorOperators;
import modarch.backend.ops.SoftmaxRows;
import modarch.backend.ops.SoftmaxRowsBackward;

/**
 * The row-wise element ops of {@link VectorBackend}, each over a range of rows, and their split across a
 * {@link Parallel} pool: one calling thread's instance carries an op's arguments to the workers without
 * allocating. Every row is computed by one thread with the same arithmetic, so results do not depend on the
 * split. Ops whose rows are too few stay on the calling thread ({@link #PARALLEL_MIN}).
 */
final class RowCall implements Parallel.IntRangeBody {
    /**
     * From this many elements on, a row op is split across the pool: each thread then has at least about 10 us of
     * streaming work, against a few us for the split itself.
     */
    static final int PARALLEL_MIN = 64 * 1024;

    enum Op { RELU_BACKWARD, SCALE_BLOCKS, BLOCK_DOT, SOFTMAX, SOFTMAX_BACKWARD }

    private static final ThreadLocal<RowCall> CURRENT = ThreadLocal.withInitial(RowCall::new);

    private Op op;
    private int n, blocks, w, xOff, ldx, yOff, ldy, outOff;
    private float[] x, y, out;

    /** The calling thread's instance. */
    static RowCall current() {
        return CURRENT.get();
    }

    /**
     * Runs op over m rows, split across the pool when m * rowElements reaches {@link #PARALLEL_MIN}. x, y and out
     * are the op's three operands (see each kernel below); n, blocks and w its row shape.
     */
    void run(Parallel parallel, Op op, int m, int n, int blocks, int w, float[] x, int xOff, int ldx,
             float[] y, int yOff, int ldy, float[] out, int outOff, long rowElements) {
        this.op = op;
        this.n = n;
        this.blocks = blocks;
        this.w = w;
        this.x = x;
        this.xOff = xOff;
        this.ldx = ldx;
        this.y = y;
        this.yOff = yOff;
        this.ldy = ldy;
        this.out = out;
        this.outOff = outOff;
        try {
            if (parallel.threads() > 1 && m * rowElements >= PARALLEL_MIN) parallel.parallelFor(m, this);
            else run(0, m);
        } finally {
            this.x = this.y = this.out = null;
        }
    }

    @Override
    public void run(int from, int to) {
        switch (op) {
            case RELU_BACKWARD -> reluBackward(from, to);
            case SCALE_BLOCKS -> scaleBlocks(from, to);
            case BLOCK_DOT -> blockDot(from, to);
            case SOFTMAX -> softmax(from, to);
            case SOFTMAX_BACKWARD -> softmaxBackward(from, to);
        }
    }

    /** y is the ReLU output (row stride ldy), x the gradient updated in place (row stride ldx); n columns. */
    private void reluBackward(int from, int to) {
        int vecN = n - n % VL;
        for (int i = from; i < to; i++) {
            int yr = yOff + i * ldy, dr = xOff + i * ldx;
            int j = 0;
            for (; j < vecN; j += VL) {
                FloatVector dv = FloatVector.fromArray(S, x, dr + j);
                FloatVector yv = FloatVector.fromArray(S, y, yr + j);
                dv.blend(0f, yv.compare(VectorOperators.LE, 0f)).intoArray(x, dr + j);
            }
            for (; j < n; j++) {
                if (y[yr + j] <= 0f) x[dr + j] = 0f;
            }
        }
    }

    /** out[i][g*w + j] = y[i][g] * x[i][g*w + j]: x and out (m, blocks*w), y the scales (m, blocks). */
    private void scaleBlocks(int from, int to) {
        for (int i = from; i < to; i++) {
            for (int g = 0; g < blocks; g++) {
                float f = y[yOff + i * blocks + g];
                int base = i * blocks * w + g * w, s = xOff + base, d = outOff + base;
                int j = 0;
                for (; j + VL <= w; j += VL) FloatVector.fromArray(S, x, s + j).mul(f).intoArray(out, d + j);
                for (; j < w; j++) out[d + j] = f * x[s + j];
            }
        }
    }

    /** out[i][g] += sum_j x[i][g*w + j] * y[i][g*w + j], whole vectors then the tail. */
    private void blockDot(int from, int to) {
        for (int i = from; i < to; i++) {
            for (int g = 0; g < blocks; g++) {
                int base = i * blocks * w + g * w;
                float sum = 0f;
                int j = 0;
                if (w >= VL) {
                    FloatVector acc = FloatVector.zero(S);
                    for (; j + VL <= w; j += VL) {
                        acc = FloatVector.fromArray(S, x, xOff + base + j).fma(FloatVector.fromArray(S, y, yOff + base + j), acc);
                    }
                    sum = acc.reduceLanes(VectorOperators.ADD);
                }
                for (; j < w; j++) sum += x[xOff + base + j] * y[yOff + base + j];
                out[outOff + i * blocks + g] += sum;
            }
        }
    }

    private void softmax(int from, int to) {
        SoftmaxRows.rows(from, to, n, x, xOff, out, outOff);
    }

    private void softmaxBackward(int from, int to) {
        SoftmaxRowsBackward.rows(from, to, n, x, xOff, y, yOff, out, outOff);
    }
}
