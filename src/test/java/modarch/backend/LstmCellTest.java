package modarch.backend;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.Arrays;
import modarch.backend.ops.LstmCellBackward;
import modarch.backend.ops.LstmCellForward;
import java.util.List;
import java.util.SplittableRandom;
import modarch.TestBuffers;
import modarch.backend.cpu.Parallel;
import modarch.backend.cpu.ScalarBackend;
import modarch.backend.cpu.VectorBackend;
import modarch.nn.GradCheck;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Test;

/**
 * The fused LSTM step ({@link Backend#lstmCellForward}, {@link Backend#lstmCellBackward}) of every CPU backend (the
 * scalar reference, the Vector API one on one thread and on two) against {@link NaiveLstmCell}, an independent
 * float64 implementation of the javadoc's math, and its backward against central differences of its forward. Every
 * call runs on two replicas whose rows sit between padding rows, with c_prev, gradCPrev and the scorer at offsets and
 * strides of their own. Inputs are NaN outside their views (a read outside shows as a NaN); outputs start as a guard
 * value everywhere, which must stay outside their views.
 */
class LstmCellTest {

    private static final float GUARD = 12345.5f;
    private static final int MARGIN = 7;
    private static final double TOL = 1e-5;
    /**
     * The self-scorer's weight-gradient rows carry the softmax backward dl = s (ds - sum s ds) of float sums over
     * h units: near-uniform scores cancel, measured 1.5e-5 relative at h = 33 on cpu-scalar.
     */
    private static final double SCORER_ROWS_TOL = 1e-4;

    private static final Parallel ONE = new Parallel(1);
    private static final Parallel TWO = new Parallel(2);
    private static final List<Backend> BACKENDS = List.of(new ScalarBackend(), new VectorBackend(ONE),
            new VectorBackend(TWO));

    @AfterAll
    static void closePools() {
        ONE.close();
        TWO.close();
    }

    /** Where a step's scores come from. */
    private enum Scoring {
        /** null scores, one module: nn.LSTMCell */
        NONE, /** read from scores (the ground-truth and Modular-op routers) */
        GIVEN, /** the Modular kind's self-scores, computed and written to scores */
        MODULAR
    }

    /**
     * Where the rep parts of one tensor sit in its buffer: part r at starts[r], length elements long; the buffer holds
     * size elements, a margin included.
     */
    private record Layout(int[] starts, int length, int size) {
        /** Part r at off + r * stride. */
        static Layout strided(int rep, int off, int stride, int length) {
            int[] starts = new int[rep];
            for (int r = 0; r < rep; r++) starts[r] = off + r * stride;
            return new Layout(starts, length, off + (rep - 1) * stride + length + MARGIN);
        }

        /** A buffer holding the parts of compact (one after the other) and outside everywhere else. */
        float[] buffer(float[] compact, float outside) {
            float[] b = new float[size];
            Arrays.fill(b, outside);
            for (int r = 0; r < starts.length; r++) System.arraycopy(compact, r * length, b, starts[r], length);
            return b;
        }

        /** The parts of buffer, one after the other. */
        float[] compact(float[] buffer) {
            float[] x = new float[starts.length * length];
            for (int r = 0; r < starts.length; r++) System.arraycopy(buffer, starts[r], x, r * length, length);
            return x;
        }

        /** Buffer positions of the compact elements. */
        int[] positions() {
            int[] p = new int[starts.length * length];
            for (int r = 0; r < starts.length; r++) {
                for (int k = 0; k < length; k++) p[r * length + k] = starts[r] + k;
            }
            return p;
        }

        /** Every element outside the parts is still outside's bits. */
        void assertOutside(float[] buffer, float outside, String what) {
            boolean[] inside = new boolean[size];
            for (int p : positions()) inside[p] = true;
            for (int i = 0; i < size; i++) {
                if (!inside[i]) {
                    assertEquals(Float.floatToRawIntBits(outside), Float.floatToRawIntBits(buffer[i]),
                            what + ": written outside the view at " + i);
                }
            }
        }
    }

    /**
     * One call's shape: rows rows from row0 of rowsPerReplica per replica; gradScores, gradCPrev and logits say whether
     * those outputs are asked for, gradLogits whether an extra logits gradient is given (logits and gradLogits:
     * MODULAR only).
     */
    private record Shape(int rep, int rows, int rowsPerReplica, int row0, int modules, int hidden,
                         boolean torchGateOrder, Scoring scoring, boolean gradScores, boolean gradCPrev, boolean logits,
                         boolean gradLogits) {
        Shape {
            if (scoring == Scoring.NONE && modules != 1) throw new IllegalArgumentException("null scores: one module");
            if ((logits || gradLogits) && scoring != Scoring.MODULAR) {
                throw new IllegalArgumentException("logits: the self-scores' only");
            }
        }

        /** Without logits or an extra logits gradient. */
        Shape(int rep, int rows, int rowsPerReplica, int row0, int modules, int hidden, boolean torchGateOrder,
              Scoring scoring, boolean gradScores, boolean gradCPrev) {
            this(rep, rows, rowsPerReplica, row0, modules, hidden, torchGateOrder, scoring, gradScores, gradCPrev,
                    false, false);
        }

        int gateWidth() {
            return modules * 4 * hidden;
        }

        /** The active rows of a per-row tensor w wide. */
        Layout perRow(int w) {
            int[] starts = new int[rep];
            for (int r = 0; r < rep; r++) starts[r] = (r * rowsPerReplica + row0) * w;
            return new Layout(starts, rows * w, rep * rowsPerReplica * w + MARGIN);
        }

        int cPrevOff() {
            return 3;
        }

        int cPrevStride() {
            return rows * hidden + 2;
        }

        int gradCPrevOff() {
            return 1;
        }

        int gradCPrevStride() {
            return rows * hidden + 5;
        }

        int scorerOff() {
            return 2;
        }

        int scorerStride() {
            return 2 * gateWidth() + 3;
        }

        Layout cPrev() {
            return Layout.strided(rep, cPrevOff(), cPrevStride(), rows * hidden);
        }

        Layout gradCPrevLayout() {
            return Layout.strided(rep, gradCPrevOff(), gradCPrevStride(), rows * hidden);
        }

        Layout scorer() {
            return Layout.strided(rep, scorerOff(), scorerStride(), 2 * gateWidth());
        }

        int scorerRowsOff() {
            return 4;
        }

        int scorerRowsStride() {
            return rows * 2 * gateWidth() + 3;
        }

        Layout scorerRows() {
            return Layout.strided(rep, scorerRowsOff(), scorerRowsStride(), rows * 2 * gateWidth());
        }

        /** The same rows with the extra outputs and inputs given. */
        Shape with(boolean gradScores, boolean gradCPrev, boolean logits, boolean gradLogits) {
            return new Shape(rep, rows, rowsPerReplica, row0, modules, hidden, torchGateOrder, scoring, gradScores,
                    gradCPrev, logits, gradLogits);
        }

        @Override
        public String toString() {
            return "rep=" + rep + " rows=" + rows + "/" + rowsPerReplica + " from " + row0 + " R=" + modules + " h="
                    + hidden + (torchGateOrder ? " ifgo" : " ifog") + " " + scoring + (gradScores ? " +gradScores" : "")
                    + (gradCPrev ? " +gradCPrev" : "") + (logits ? " +logits" : "")
                    + (gradLogits ? " +gradLogits" : "");
        }
    }

    /**
     * A step's inputs, compact (see {@link NaiveLstmCell}); scorer only for MODULAR, scores only for GIVEN, gradLogits
     * only when the shape gives it.
     */
    private record Inputs(float[] input, float[] recurrent, float[] scorer, float[] scores, float[] cPrev,
                          float[] gradH, float[] gradC, float[] gradLogits) {
        /**
         * Pre-activations at least 0.1 away from 0 (the scorer's ReLU kinks stay out of reach of the finite
         * differences), positive scores, scorer weights of scale 0.5.
         */
        static Inputs random(Shape s, long seed) {
            SplittableRandom rnd = new SplittableRandom(seed);
            int n = s.rep * s.rows;
            float[] scorer = null, scores = null;
            if (s.scoring == Scoring.MODULAR) {
                scorer = gaussians(rnd, s.rep * 2 * s.gateWidth());
                for (int i = 0; i < scorer.length; i++) scorer[i] *= 0.5f;
            } else if (s.scoring == Scoring.GIVEN) {
                scores = new float[n * s.modules];
                for (int i = 0; i < scores.length; i++) scores[i] = (float) rnd.nextDouble(0.05, 1);
            }
            return new Inputs(awayFromZero(gaussians(rnd, n * s.gateWidth())),
                    awayFromZero(gaussians(rnd, n * s.gateWidth())), scorer, scores,
                    gaussians(rnd, n * s.hidden), gaussians(rnd, n * s.hidden), gaussians(rnd, n * s.hidden),
                    s.gradLogits ? gaussians(rnd, n * s.modules) : null);
        }

        NaiveLstmCell naive(Shape s) {
            return NaiveLstmCell.run(s.rep, s.rows, s.modules, s.hidden, s.torchGateOrder, input, recurrent, scorer,
                    scores, cPrev, gradH, gradC, gradLogits);
        }
    }

    /** What a forward and a backward wrote, compact; null where the shape asks for no such output. */
    private record Result(float[] gates, float[] cells, float[] scores, float[] logits, float[] h, float[] c,
                          float[] gradInput, float[] gradRecurrent, float[] gradScores, float[] gradCPrev,
                          float[] scorerRows) {

        /** Every output within {@link #TOL} of naive's. */
        void assertClose(NaiveLstmCell naive, String what) {
            assertRelative(gates, naive.gates, what + ": gates");
            assertRelative(cells, naive.cells, what + ": cells");
            if (scores != null) assertRelative(scores, naive.scores, what + ": scores");
            if (logits != null) assertRelative(logits, naive.logits, what + ": logits");
            assertRelative(h, naive.h, what + ": h");
            assertRelative(c, naive.c, what + ": c");
            assertRelative(gradInput, naive.gradInput, what + ": gradInput");
            assertRelative(gradRecurrent, naive.gradRecurrent, what + ": gradRecurrent");
            if (gradScores != null) assertRelative(gradScores, naive.gradScores, what + ": gradScores");
            if (gradCPrev != null) assertRelative(gradCPrev, naive.gradCPrev, what + ": gradCPrev");
            if (scorerRows != null) assertRelative(scorerRows, naive.scorerRows, what + ": scorerRows", SCORER_ROWS_TOL);
        }
    }

    private static void assertRelative(float[] out, double[] ref, String what) {
        assertRelative(out, ref, what, TOL);
    }

    private static void assertRelative(float[] out, double[] ref, String what, double tolerance) {
        for (int i = 0; i < out.length; i++) assertTrue(Float.isFinite(out[i]), what + ": not finite at " + i);
        double error = TestBuffers.relativeError(out, ref);
        assertTrue(error < tolerance, what + ": relative error " + error);
    }

    /** A step's buffers on one backend: its inputs uploaded, its outputs all guard. */
    private static final class Step implements AutoCloseable {
        final Backend backend;
        final Shape s;
        final FloatBuf input, recurrent, scorer, scores, logits, cPrev, gates, cells, h, c, gradH, gradC, gradLogits;
        final FloatBuf gradInput, gradRecurrent, gradScores, gradCPrev, scorerRows;

        Step(Backend backend, Shape s, Inputs in) {
            this.backend = backend;
            this.s = s;
            Layout pre = s.perRow(s.gateWidth()), state = s.perRow(s.hidden);
            input = upload(pre.buffer(in.input, Float.NaN));
            recurrent = upload(pre.buffer(in.recurrent, Float.NaN));
            scorer = in.scorer == null ? null : upload(s.scorer().buffer(in.scorer, Float.NaN));
            scores = switch (s.scoring) {
                case NONE -> null;
                case GIVEN -> upload(s.perRow(s.modules).buffer(in.scores, Float.NaN));
                case MODULAR -> guard(s.perRow(s.modules));
            };
            logits = s.logits ? guard(s.perRow(s.modules)) : null;
            gradLogits = s.gradLogits ? upload(s.perRow(s.modules).buffer(in.gradLogits, Float.NaN)) : null;
            cPrev = upload(s.cPrev().buffer(in.cPrev, Float.NaN));
            gradH = upload(state.buffer(in.gradH, Float.NaN));
            gradC = upload(state.buffer(in.gradC, Float.NaN));
            gates = guard(pre);
            cells = guard(s.perRow(s.modules * s.hidden));
            h = guard(state);
            c = guard(state);
            gradInput = guard(pre);
            gradRecurrent = guard(pre);
            gradScores = s.gradScores ? guard(s.perRow(s.modules)) : null;
            gradCPrev = s.gradCPrev ? guard(s.gradCPrevLayout()) : null;
            scorerRows = s.scoring == Scoring.MODULAR ? guard(s.scorerRows()) : null;
        }

        private FloatBuf upload(float[] values) {
            return TestBuffers.of(backend, values);
        }

        /** A buffer of layout's size, all guard. */
        private FloatBuf guard(Layout layout) {
            float[] x = new float[layout.size()];
            Arrays.fill(x, GUARD);
            return upload(x);
        }

        void forward() {
            backend.run(new LstmCellForward(s.rep, s.rows, s.rowsPerReplica, s.row0, s.modules, s.hidden,
                    s.torchGateOrder,
                    input, recurrent, scorer, s.scorerOff(), s.scorerStride(), scores, cPrev, s.cPrevOff(),
                    s.cPrevStride(), gates, cells, h, c, logits));
        }

        void backward() {
            backend.run(new LstmCellBackward(s.rep, s.rows, s.rowsPerReplica, s.row0, s.modules, s.hidden,
                    s.torchGateOrder,
                    input, recurrent, scorer, s.scorerOff(), s.scorerStride(), scores, cPrev, s.cPrevOff(),
                    s.cPrevStride(), gates, cells, gradH, gradC, gradLogits, gradCPrev, s.gradCPrevOff(),
                    s.gradCPrevStride(), gradInput, gradRecurrent, gradScores, scorerRows, s.scorerRowsOff(),
                    s.scorerRowsStride()));
        }

        /** The output's view, after checking nothing was written outside it. */
        float[] written(FloatBuf buf, Layout layout, String what) {
            float[] all = TestBuffers.read(backend, buf);
            layout.assertOutside(all, GUARD, what);
            return layout.compact(all);
        }

        Result result(String what) {
            Layout pre = s.perRow(s.gateWidth()), state = s.perRow(s.hidden), scoreRows = s.perRow(s.modules);
            return new Result(written(gates, pre, what + ": gates"),
                    written(cells, s.perRow(s.modules * s.hidden), what + ": cells"),
                    s.scoring == Scoring.MODULAR ? written(scores, scoreRows, what + ": scores") : null,
                    logits == null ? null : written(logits, scoreRows, what + ": logits"),
                    written(h, state, what + ": h"), written(c, state, what + ": c"),
                    written(gradInput, pre, what + ": gradInput"), written(gradRecurrent, pre, what + ": gradRecurrent"),
                    gradScores == null ? null : written(gradScores, scoreRows, what + ": gradScores"),
                    gradCPrev == null ? null : written(gradCPrev, s.gradCPrevLayout(), what + ": gradCPrev"),
                    scorerRows == null ? null : written(scorerRows, s.scorerRows(), what + ": scorerRows"));
        }

        @Override
        public void close() {
            for (FloatBuf b : new FloatBuf[] {input, recurrent, scorer, scores, logits, cPrev, gates, cells, h, c,
                gradH, gradC, gradLogits, gradInput, gradRecurrent, gradScores, gradCPrev, scorerRows}) {
                if (b != null) b.close();
            }
        }
    }

    /** Forward then backward on backend. */
    private static Result run(Backend backend, Shape s, Inputs in) {
        try (Step step = new Step(backend, s, in)) {
            step.forward();
            step.backward();
            return step.result(s + " on " + backend.name());
        }
    }

    /** (scoring, modules) of the tests: nn.LSTMCell, and one to four modules with given and with self scores. */
    private static final Object[][] SCORINGS = {{Scoring.NONE, 1}, {Scoring.GIVEN, 1}, {Scoring.GIVEN, 3},
        {Scoring.GIVEN, 4}, {Scoring.MODULAR, 1}, {Scoring.MODULAR, 3}, {Scoring.MODULAR, 4}};

    @Test
    void everyShapeMatchesFloat64() {
        long seed = 1;
        for (boolean torch : new boolean[] {false, true}) {
            for (Object[] scoring : SCORINGS) {
                for (int hidden : new int[] {1, 5, 16, 21, 33}) { // 21, 33: whole 16-float lanes and a scalar tail
                    // bit 2: the self-scores' logits out and an extra logits gradient in
                    for (int grads = 0; grads < (scoring[0] == Scoring.MODULAR ? 8 : 4); grads++) {
                        boolean logits = (grads & 4) != 0;
                        Shape s = new Shape(2, 3, 6, 2, (int) scoring[1], hidden, torch, (Scoring) scoring[0],
                                (grads & 1) != 0, (grads & 2) != 0, logits, logits);
                        Inputs in = Inputs.random(s, seed++);
                        NaiveLstmCell naive = in.naive(s);
                        for (Backend backend : BACKENDS) run(backend, s, in).assertClose(naive, s + " on " + backend.name());
                    }
                }
            }
        }
    }

    /** gradScores, gradCPrev and logits are extra outputs: asking for them changes no bit of the others. */
    @Test
    void optionalOutputsChangeNothingElse() {
        long seed = 300;
        for (Object[] scoring : SCORINGS) {
            Shape without = new Shape(2, 4, 5, 1, (int) scoring[1], 7, false, (Scoring) scoring[0], false, false);
            Shape with = without.with(true, true, scoring[0] == Scoring.MODULAR, false);
            Inputs in = Inputs.random(with, seed++);
            for (Backend backend : BACKENDS) {
                String what = without + " on " + backend.name();
                Result a = run(backend, with, in), b = run(backend, without, in);
                assertNull(b.gradScores, what);
                assertNull(b.gradCPrev, what);
                assertNull(b.logits, what);
                for (float[][] pair : new float[][][] {{a.gates, b.gates}, {a.cells, b.cells}, {a.h, b.h}, {a.c, b.c},
                    {a.gradInput, b.gradInput}, {a.gradRecurrent, b.gradRecurrent}, {a.scorerRows, b.scorerRows},
                    {a.scores, b.scores}}) {
                    assertArrayEquals(pair[0], pair[1], what);
                }
            }
        }
    }

    /**
     * The backward against central differences (in float64, of the backend's own float forward) of
     * {@code L = sum(a * h) + sum(b * c)} for random a and b (gradH = a, gradC = b), plus {@code sum(g * logits)} for
     * random g (gradLogits = g) where the shape asks for the self-scores' logits: d/d input, recurrent and c_prev,
     * the given scores, and the scorer's weights, whose gradient is the sum of scorerRows over a replica's rows.
     */
    @Test
    void backwardMatchesFiniteDifferences() {
        long seed = 700;
        for (boolean torch : new boolean[] {false, true}) {
            for (Object[] scoring : new Object[][] {{Scoring.NONE, 1, false}, {Scoring.GIVEN, 3, false},
                {Scoring.MODULAR, 3, false}, {Scoring.MODULAR, 4, false}, {Scoring.MODULAR, 3, true}}) {
                boolean logits = (boolean) scoring[2];
                Shape s = new Shape(2, 2, 4, 1, (int) scoring[1], 3, torch, (Scoring) scoring[0], true, true, logits,
                        logits);
                Inputs in = Inputs.random(s, seed++);
                for (Backend backend : BACKENDS) {
                    try (Step step = new Step(backend, s, in)) {
                        step.forward();
                        step.backward();
                        Result analytic = step.result(s + " on " + backend.name());
                        Layout state = s.perRow(s.hidden);
                        Layout scoreRows = s.perRow(s.modules);
                        GradCheck.Objective loss = () -> {
                            step.forward();
                            return GradCheck.dot(state.compact(TestBuffers.read(backend, step.h)), in.gradH)
                                    + GradCheck.dot(state.compact(TestBuffers.read(backend, step.c)), in.gradC)
                                    + (logits ? GradCheck.dot(scoreRows.compact(TestBuffers.read(backend, step.logits)),
                                            in.gradLogits) : 0);
                        };
                        GradCheck check = new GradCheck(backend, loss, List.of(), seed, 40);
                        Layout pre = s.perRow(s.gateWidth());
                        check.check("gradInput", step.input, pre.positions(), analytic.gradInput);
                        check.check("gradRecurrent", step.recurrent, pre.positions(), analytic.gradRecurrent);
                        check.check("gradCPrev", step.cPrev, s.cPrev().positions(), analytic.gradCPrev);
                        if (s.scoring == Scoring.GIVEN) {
                            check.check("gradScores", step.scores, scoreRows.positions(), analytic.gradScores);
                        }
                        if (s.scoring == Scoring.MODULAR) {
                            check.check("scorer", step.scorer, s.scorer().positions(), scorerGradient(s, analytic));
                        }
                        check.assertPassed();
                    }
                }
            }
        }
    }

    /** The scorer weights' gradient (rep, R, 8h): scorerRows (rep, rows, R, 8h) summed over rows, in double. */
    private static float[] scorerGradient(Shape s, Result r) {
        int w = 2 * s.gateWidth();
        float[] grad = new float[s.rep * w];
        for (int rep = 0; rep < s.rep; rep++) {
            for (int k = 0; k < w; k++) {
                double sum = 0;
                for (int i = 0; i < s.rows; i++) sum += r.scorerRows[(rep * s.rows + i) * w + k];
                grad[rep * w + k] = (float) sum;
            }
        }
        return grad;
    }

    private static float[] gaussians(SplittableRandom rnd, int n) {
        float[] x = new float[n];
        for (int i = 0; i < n; i++) x[i] = (float) rnd.nextGaussian();
        return x;
    }

    /** x moved 0.1 away from zero, keeping its sign. */
    private static float[] awayFromZero(float[] x) {
        for (int i = 0; i < x.length; i++) x[i] += x[i] >= 0 ? 0.1f : -0.1f;
        return x;
    }
}
