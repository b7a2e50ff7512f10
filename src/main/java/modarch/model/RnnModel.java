package modarch.model;

import java.util.ArrayList;
import java.util.List;
import modarch.backend.Backend;
import modarch.backend.FloatBuf;
import modarch.backend.Mat;
import modarch.backend.ops.CopyBlocks;
import modarch.backend.ops.CopyPair;
import modarch.backend.ops.OneHot;
import modarch.nn.GroupLstmCell.Scoring;
import modarch.nn.GroupLstmCell;
import modarch.nn.Linear;
import modarch.nn.Param;
import modarch.task.Batch;
import modarch.task.FastRandom;

/**
 * The RNN-setting models of the reference (RNN/*&#47;model.py): per step an encoder Linear(d + R, enc) - ReLU -
 * Linear(enc, enc) of [x_t, one-hot rule], an LSTM core ({@link GroupLstmCell}: nn.LSTMCell(enc, h) for Monolithic,
 * R cells of the parameter-matched width for the modular kinds), and a decoder Linear(h, h) - ReLU - Linear(h, out)
 * of every step's h. Parameter names, shapes and counts are the reference's.
 *
 * <p>Batches are sequence-major (row e L + t, as the tasks draw them); inside, the model works time-major, step t of
 * a window at rows [t E, (t + 1) E), and copies its inputs in and its predictions and scores out. Its caches hold
 * one window of trainLength steps of the batch's E sequences; a longer sequence (evaluation at length 30 of a model
 * trained at 10) runs in windows through the same caches, the state carried from one to the next, so evaluating it
 * needs no more memory than training. Backward follows a forward of one window (training).
 */
public final class RnnModel extends LayeredModel {
    private final int features;     // d: input floats per step
    private final int outputs;      // label floats per step
    private final int maxExamples;  // E at most
    private final int windowRows;   // rows of one window: maxExamples times the training length
    private final int maxRows;      // rows of a batch at most: maxExamples times the longest length
    private final Linear encoder1;  // encoder.0: (rep, rows, d + R) -> (rep, rows, enc), ReLU
    private final Linear encoder2;  // encoder.2: (rep, rows, enc) -> (rep, rows, enc)
    private final GroupLstmCell cell; // rnn.*
    private final Linear decoder1;  // decoder.0: (rep, rows, h) -> (rep, rows, h), ReLU
    private final Linear decoder2;  // decoder.2: (rep, rows, h) -> (rep, rows, out)
    private final FloatBuf oneHot;      // oneHot is (rep, maxRows, R): the batch's rules, sequence-major
    private OneHot ruleOneHot;          // the last batch's rules into oneHot
    private final FloatBuf oneHotSteps; // oneHotSteps is (rep, rows, R): the window's, time-major
    private final FloatBuf tokens;      // tokens is (rep, rows, d + R): [x_t, one-hot], time-major
    private final FloatBuf predictions;     // predictions is (rep, maxRows, out), sequence-major
    private final FloatBuf gradPredictions; // gradPredictions is (rep, rows, out), sequence-major
    private final FloatBuf scores;          // scores is (rep, maxRows, R), sequence-major; null for Monolithic
    private int examples;
    private int length;
    private boolean oneWindow;
    private Windows windows;            // the last batch's windows

    /**
     * A model for batches of up to maxRows rows per replica, sequences of up to spec.maxLength() steps: at most
     * maxRows / maxLength sequences, run in windows of trainLength steps (more when the batch has fewer sequences).
     */
    public RnnModel(Backend backend, int rep, ModelSpec spec, int maxRows) {
        super(backend, rep, spec);
        this.features = spec.inputWidth();
        this.outputs = spec.outputWidth();
        this.maxExamples = Math.max(1, maxRows / spec.maxLength());
        this.windowRows = maxExamples * Math.min(spec.trainLength(), spec.maxLength());
        this.maxRows = maxRows;
        boolean monolithic = spec.kind() == ModelKind.MONOLITHIC;
        int hidden = monolithic ? spec.dim() : GroupLstmCell.moduleHidden(rules, spec.encDim(), spec.dim());
        if (hidden < 1) {
            throw new IllegalArgumentException("h_dim " + spec.dim() + " gives modules no width at " + rules + " rules");
        }
        encoder1 = new Linear(ws, "encoder.0", features + rules, spec.encDim(), windowRows, true);
        encoder2 = new Linear(ws, "encoder.2", spec.encDim(), spec.encDim(), windowRows, false);
        cell = new GroupLstmCell(ws, "rnn", spec.encDim(), monolithic ? 1 : rules, hidden, scoring(spec.kind()),
                windowRows, maxExamples, spec.regularization());
        decoder1 = new Linear(ws, "decoder.0", hidden, hidden, windowRows, true);
        decoder2 = new Linear(ws, "decoder.2", hidden, outputs, windowRows, false);
        List<Param> all = new ArrayList<>();
        all.addAll(encoder1.params());
        all.addAll(encoder2.params());
        all.addAll(cell.params());
        all.addAll(decoder1.params());
        all.addAll(decoder2.params());
        oneHot = ws.floats((long) maxRows * rules);
        oneHotSteps = ws.floats((long) windowRows * rules);
        tokens = ws.floats((long) windowRows * (features + rules));
        predictions = ws.floats((long) maxRows * outputs);
        gradPredictions = ws.floats((long) windowRows * outputs);
        scores = monolithic ? null : ws.floats((long) maxRows * rules);
        built(all, decoder2, null);
    }

    private static Scoring scoring(ModelKind kind) {
        return switch (kind) {
            case MONOLITHIC -> Scoring.NONE;
            case MODULAR -> Scoring.SELF;
            case MODULAR_OP -> Scoring.RULE;
            case GT_MODULAR -> Scoring.GROUND_TRUTH;
        };
    }

    /** The width of each module's (and the shared) LSTM state. */
    public int hidden() {
        return cell.hidden();
    }

    @Override
    protected void initValues(float[] values, FastRandom rng) {
        encoder1.init(values, rng);
        encoder2.init(values, rng);
        cell.init(values, rng);
        decoder1.init(values, rng);
        decoder2.init(values, rng);
    }

    @Override
    public void forward(Batch batch) {
        run(batch, false);
    }

    @Override
    public void forwardScores(Batch batch) {
        if (scores == null) throw new IllegalStateException("a Monolithic model has no routing scores");
        run(batch, true);
    }

    /** The batch in windows of steps; scoresOnly skips what the scores do not depend on (all but Modular's). */
    private void run(Batch batch, boolean scoresOnly) {
        length = batch.length();
        examples = batch.rows() / length;
        if (examples > maxExamples || (long) examples * length > maxRows) {
            throw new IllegalArgumentException("a batch of " + examples + " sequences of " + length + " steps exceeds"
                    + " this model's " + maxExamples + " sequences and " + maxRows + " rows");
        }
        ruleOneHot = OneHot.bind(ruleOneHot, batch.rules(), oneHot, rep * batch.rows(), rules);
        backend.run(ruleOneHot);
        boolean stateless = scoresOnly && scores != null && !cell.needsStateForScores();
        int windowSteps = windowRows / examples;
        oneWindow = length <= windowSteps;
        if (windows == null || !windows.fits(examples, length, batch.inputs())) {
            windows = null;
            windows = new Windows(examples, length, windowSteps, batch.inputs());
        }
        for (Windows.Window window : windows.each) {
            int rows = window.steps * examples;
            if (stateless) {
                backend.run(window.rulesAndInputsToSteps.first()); // the rules alone
                backend.run(window.scoresToSequences(cell.scoresOnly(oneHotSteps, rows)));
                continue;
            }
            backend.run(window.rulesAndInputsToSteps);
            backend.run(window.rulesIntoTokens);
            encoder1.forward(tokens, rows);
            encoder2.forward(encoder1.output(), rows);
            cell.forward(encoder2.output(), oneHotSteps, examples, window.steps, window.t0 == 0);
            if (window.t0 + window.steps < length) cell.carry();
            if (scores != null) backend.run(window.scoresToSequences(cell.scores()));
            if (scoresOnly) continue;
            decoder1.forward(cell.h(), rows);
            decoder2.forward(decoder1.output(), rows);
            backend.run(window.predictionsToSequences);
        }
    }

    /** The windows of one batch shape (sequences, length, inputs), built when it changes. */
    private final class Windows {
        final int examples;
        final int length;
        final FloatBuf inputs;
        final Window[] each;
        final CopyBlocks gradToSteps; // the loss's gradient, sequence-major (rep, E L, out), into the decoder's rows

        Windows(int examples, int length, int windowSteps, FloatBuf inputs) {
            this.examples = examples;
            this.length = length;
            this.inputs = inputs;
            this.each = new Window[(length + windowSteps - 1) / windowSteps];
            for (int w = 0; w < each.length; w++) {
                int t0 = w * windowSteps;
                each[w] = new Window(t0, Math.min(windowSteps, length - t0));
            }
            this.gradToSteps = length <= windowSteps ? toSteps(gradPredictions, outputs, 0, length,
                    decoder2.gradOutput(), 0, outputs) : null;
        }

        boolean fits(int examples, int length, FloatBuf inputs) {
            return this.examples == examples && this.length == length && this.inputs == inputs;
        }

        /** The window of steps [t0, t0 + steps). */
        final class Window {
            final int t0;
            final int steps;
            final CopyPair rulesAndInputsToSteps;   // the one-hot rules into oneHotSteps, and the inputs into the
                                                    // tokens' first d columns: one op
            final CopyBlocks rulesIntoTokens;        // oneHotSteps into the tokens' last R columns
            final CopyBlocks predictionsToSequences; // the decoder's output into predictions
            private CopyBlocks scoresToSequences;    // the cell's scores into scores; built on first use

            Window(int t0, int steps) {
                this.t0 = t0;
                this.steps = steps;
                int rows = steps * examples;
                rulesAndInputsToSteps = new CopyPair(toSteps(oneHot, rules, t0, steps, oneHotSteps, 0, rules),
                        toSteps(inputs, features, t0, steps, tokens, 0, features + rules));
                rulesIntoTokens = CopyBlocks.copy(Mat.of("oneHotSteps", oneHotSteps, 0, rep * rows, rules),
                        new Mat("tokens", tokens, features, 1, 0, rep * rows, rules, features + rules));
                predictionsToSequences = toSequences(decoder2.output(), outputs, t0, steps, predictions);
            }

            /** The copy of source, the cell's time-major scores (rep, steps E, R), into scores. */
            CopyBlocks scoresToSequences(FloatBuf source) {
                if (scoresToSequences == null || scoresToSequences.src().buf() != source) {
                    scoresToSequences = null;
                    scoresToSequences = toSequences(source, rules, t0, steps, scores);
                }
                return scoresToSequences;
            }
        }

        /**
         * Steps [t0, t0 + steps) of sequence-major rows (rep, E L, width) of src into time-major rows
         * (rep, steps E, ldDst) of dst from column dstCol.
         */
        private CopyBlocks toSteps(FloatBuf src, int width, int t0, int steps, FloatBuf dst, int dstCol, int ldDst) {
            int rows = steps * examples;
            // group = replica; item = step t: E rows of width, source row e L + t0 + t, target row t E + e
            return new CopyBlocks(new Mat("sequences", src, t0 * width, steps, width, examples, width, length * width),
                    new Mat("steps", dst, dstCol, steps, examples * ldDst, examples, width, ldDst), false, rep,
                    examples * length * width, rows * ldDst);
        }

        /** The inverse of {@link #toSteps}: time-major (rep, steps E, width) into steps [t0, ..) of (rep, E L, width). */
        private CopyBlocks toSequences(FloatBuf src, int width, int t0, int steps, FloatBuf dst) {
            int rows = steps * examples;
            return new CopyBlocks(new Mat("steps", src, 0, steps, examples * width, examples, width, width),
                    new Mat("sequences", dst, t0 * width, steps, width, examples, width, length * width), false, rep,
                    rows * width, examples * length * width);
        }
    }

    @Override
    public void backward() {
        if (!oneWindow) {
            throw new IllegalStateException("backward needs a forward of at most " + windowRows / examples
                    + " steps, not " + length);
        }
        backend.run(windows.gradToSteps);
        decoder2.backwardInto(decoder1);
        decoder1.backward(cell.gradH(), false);
        cell.backward(encoder2.gradOutput());
        encoder2.backwardInto(encoder1);
        encoder1.backward(null, false);
    }

    /** Sequence-major, unlike the decoder's own output. */
    @Override
    public FloatBuf predictions() {
        return predictions;
    }

    @Override
    public FloatBuf gradPredictions() {
        return gradPredictions;
    }

    @Override
    public boolean routed() {
        return scores != null;
    }

    @Override
    public FloatBuf scores() {
        return scores;
    }

    /** The last window's (see {@link GroupLstmCell}: the regularisers pool a window's steps of every sequence). */
    @Override
    public FloatBuf regularizerTerms() {
        return cell.regularizerTerms();
    }
}
