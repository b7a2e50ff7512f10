package modarch.model;

import java.util.ArrayList;
import java.util.List;
import modarch.backend.Backend;
import modarch.backend.FloatBuf;
import modarch.backend.Mat;
import modarch.backend.ops.CopyBlocks;
import modarch.backend.ops.CopyPair;
import modarch.backend.ops.OneHot;
import modarch.nn.Core;
import modarch.nn.DenseCore;
import modarch.nn.GroundTruthRouter;
import modarch.nn.JointProducts;
import modarch.nn.Linear;
import modarch.nn.ModuleMlp;
import modarch.nn.OpRouter;
import modarch.nn.Param;
import modarch.nn.Router;
import modarch.nn.SelfScoreRouter;
import modarch.nn.Workspace;
import modarch.task.Batch;
import modarch.task.FastRandom;

/**
 * The MLP-setting models of the reference (MLP/*&#47;model.py): a digit encoder shared by a and b,
 * a rule encoder on the one-hot rule, a core (dense for Monolithic, routed modules otherwise),
 * and a decoder to one output. Parameter names and shapes are the reference's state_dict. Inputs are
 * (rep, rows, 2) rows of [a, b].
 */
public final class MlpModel extends LayeredModel {
    private final int encDim;
    private final Linear digit1;   // encoder_digit.0: (rep, 2 rows, 1) -> (rep, 2 rows, E), ReLU
    private final Linear digit2;   // encoder_digit.2: (rep, 2 rows, E) -> (rep, 2 rows, E); rows of a, then of b
    private final Linear rule1;    // encoder_operation.0: (rep, rows, R) one-hot -> (rep, rows, E), ReLU
    private final Linear rule2;    // encoder_operation.2: (rep, rows, E) -> (rep, rows, E)
    private final Core core;       // "MLP": (rep, rows, 3E) -> (rep, rows, D)
    private final ModuleMlp routed; // the core when routed; null for Monolithic
    private final Linear decoder1; // decoder.0: (rep, rows, D) -> (rep, rows, E), ReLU
    private final Linear decoder2; // decoder.2: (rep, rows, E) -> (rep, rows, 1)
    private final FloatBuf digits;      // digits is (rep, 2 rows, 1)
    private final FloatBuf oneHot;      // oneHot is (rep, rows, R)
    private OneHot ruleOneHot;          // the last batch's rules into oneHot
    private final FloatBuf joined;      // joined is (rep, rows, 3E): [enc(a), enc(b), enc(rule)]
    private final FloatBuf gradJoined;  // (rep, rows, 3E)
    private int rows;
    private Copies copies;              // at the last batch's shape
    private final JointProducts firstEncoders = new JointProducts();          // rule1 and digit1's forwards
    private final JointProducts secondEncoders = new JointProducts();         // rule2 and digit2's
    private final JointProducts secondEncoderGradients = new JointProducts(); // digit2 and rule2's backwards
    private final JointProducts firstEncoderGradients = new JointProducts();  // digit1 and rule1's

    public MlpModel(Backend backend, int rep, ModelSpec spec, int maxRows) {
        super(backend, rep, spec);
        this.encDim = spec.encDim();
        int e = encDim;
        digit1 = new Linear(ws, "encoder_digit.0", 1, e, 2 * maxRows, true);
        digit2 = new Linear(ws, "encoder_digit.2", e, e, 2 * maxRows, false);
        rule1 = new Linear(ws, "encoder_operation.0", rules, e, maxRows, true);
        rule2 = new Linear(ws, "encoder_operation.2", e, e, maxRows, false);
        if (spec.kind() == ModelKind.MONOLITHIC) {
            routed = null;
            core = new DenseCore(ws, "MLP", 3 * e, spec.dim(), spec.dim(), maxRows);
        } else {
            routed = new ModuleMlp(ws, "MLP", rules, 3 * e, spec.dim() / rules, spec.dim(), maxRows, true,
                    router(ws, spec, e, maxRows));
            core = routed;
        }
        decoder1 = new Linear(ws, "decoder.0", spec.dim(), e, maxRows, true);
        decoder2 = new Linear(ws, "decoder.2", e, 1, maxRows, false);
        digits = ws.floats(2L * maxRows);
        oneHot = ws.floats((long) maxRows * rules);
        joined = ws.floats((long) maxRows * 3 * e);
        gradJoined = ws.floats((long) maxRows * 3 * e);
        built(collectParams(), decoder2, routed);
    }

    private static Router router(Workspace ws, ModelSpec spec, int encDim, int maxRows) {
        int rules = spec.rules();
        return switch (spec.kind()) {
            case MODULAR -> new SelfScoreRouter(ws, rules, maxRows, spec.regularization(), spec.routerTopK());
            case MODULAR_OP -> new OpRouter(ws, "scorer", encDim, 0, rules, maxRows, true, true, spec.regularization(),
                    spec.routerTopK());
            case GT_MODULAR -> new GroundTruthRouter(ws, rules, maxRows);
            case MONOLITHIC -> throw new IllegalStateException("Monolithic has no router");
        };
    }

    private List<Param> collectParams() {
        List<Param> all = new ArrayList<>();
        all.addAll(digit1.params());
        all.addAll(digit2.params());
        all.addAll(rule1.params());
        all.addAll(rule2.params());
        all.addAll(core.params());
        all.addAll(decoder1.params());
        all.addAll(decoder2.params());
        return all;
    }

    @Override
    protected void initValues(float[] values, FastRandom rng) {
        digit1.init(values, rng);
        digit2.init(values, rng);
        rule1.init(values, rng);
        rule2.init(values, rng);
        core.init(values, rng);
        decoder1.init(values, rng);
        decoder2.init(values, rng);
    }

    @Override
    public void forward(Batch batch) {
        encode(batch);
        core.forward(joined, rule2.output(), batch.rules(), rows);
        decoder1.forward(core.output(), rows);
        decoder2.forward(decoder1.output(), rows);
    }

    /**
     * Computes only the routing scores ({@link #scores()}), skipping what they do not depend on: the module
     * outputs and the decoder always, the encoders for GT-Modular, the digit encoder for Modular-op.
     */
    @Override
    public void forwardScores(Batch batch) {
        if (routed == null) throw new IllegalStateException("a Monolithic model has no routing scores");
        this.rows = batch.rows();
        switch (routed.router().source()) {
            case MODULE_INPUT -> encode(batch);
            case RULE_CONTEXT -> encodeRule(batch);
            case RULES -> { }
        }
        routed.route(joined, rule2.output(), batch.rules(), rows);
    }

    /** The batch's rules one-hot into oneHot (rep, rows, R). */
    private void oneHot(Batch batch) {
        this.rows = batch.rows();
        ruleOneHot = OneHot.bind(ruleOneHot, batch.rules(), oneHot, rep * rows, rules);
        backend.run(ruleOneHot);
    }

    private void encodeRule(Batch batch) {
        oneHot(batch);
        rule1.forward(oneHot, rows);
        rule2.forward(rule1.output(), rows);
    }

    /** Fills joined (rep, rows, 3E) = [enc(a), enc(b), enc(rule)]; each layer of both encoders in one op. */
    private void encode(Batch batch) {
        oneHot(batch);
        if (copies == null || copies.rows != rows || copies.inputs != batch.inputs()) {
            copies = null;
            copies = new Copies(rows, batch.inputs());
        }
        backend.run(copies.digitColumns);
        backend.run(firstEncoders.of(rule1.forwardProduct(oneHot, rows), digit1.forwardProduct(digits, 2 * rows)));
        backend.run(secondEncoders.of(rule2.forwardProduct(rule1.output(), rows),
                digit2.forwardProduct(digit1.output(), 2 * rows)));
        backend.run(copies.join);
    }

    /**
     * The copies between the encoders and the core at one shape: digits from the inputs, and [enc(a), enc(b),
     * enc(rule)] into joined and back, each digit pair in one op (a and b as two items of every replica); built when
     * the rows or the inputs change.
     */
    private final class Copies {
        final int rows;
        final FloatBuf inputs;
        final CopyBlocks digitColumns;    // digits (rep, 2 rows, 1): column a of inputs (rep, rows, 2), then b
        final CopyPair join;  // enc(a), enc(b) (rep, 2 rows, E), and enc(rule), into joined: one op
        final CopyPair split; // joined's gradient blocks back to digit2's, and to rule2's
        final CopyBlocks routerContextGrad;           // the router's rule-context gradient added to rule2's

        Copies(int rows, FloatBuf inputs) {
            this.rows = rows;
            this.inputs = inputs;
            int e = encDim;
            digitColumns = new CopyBlocks(new Mat("inputs", inputs, 0, 2, 1, rows, 1, 2),
                    new Mat("digits", digits, 0, 2, rows, rows, 1, 1), false, rep, 2 * rows, 2 * rows);
            // digit2's output (rep, 2 rows, E): a's rows, then b's; joined's blocks 0 and 1 (rep, rows, 3E)
            Mat digitPair = new Mat("digit a, b", digit2.output(), 0, 2, rows * e, rows, e, e);
            Mat joinedPair = new Mat("joined a, b", joined, 0, 2, e, rows, e, 3 * e);
            Mat gradDigitPair = new Mat("grad digit a, b", digit2.gradOutput(), 0, 2, rows * e, rows, e, e);
            Mat gradJoinedPair = new Mat("gradJoined a, b", gradJoined, 0, 2, e, rows, e, 3 * e);

            Mat rule = new Mat("rule", rule2.output(), 0, rep, rows * e, rows, e, e);
            Mat gradRule = new Mat("grad rule", rule2.gradOutput(), 0, rep, rows * e, rows, e, e);
            join = new CopyPair(new CopyBlocks(digitPair, joinedPair, false, rep, 2 * rows * e, rows * 3 * e),
                    CopyBlocks.copy(rule, new Mat("joined", joined, 2 * e, rep, rows * 3 * e, rows, e, 3 * e)));
            split = new CopyPair(new CopyBlocks(gradJoinedPair, gradDigitPair, false, rep, rows * 3 * e, 2 * rows * e),
                    CopyBlocks.copy(new Mat("gradJoined", gradJoined, 2 * e, rep, rows * 3 * e, rows, e, 3 * e),
                            gradRule));
            FloatBuf contextGrad = core.gradRuleContext();
            routerContextGrad = contextGrad == null ? null : CopyBlocks.add(
                    Mat.vector("routerContextGrad", contextGrad, 0, rep * rows * e),
                    Mat.vector("rule2.gradOutput", rule2.gradOutput(), 0, rep * rows * e));
        }
    }

    @Override
    public void backward() {
        decoder2.backwardInto(decoder1);
        decoder1.backward(core.gradOutput(), false);
        core.backward(gradJoined);
        backend.run(copies.split);
        if (copies.routerContextGrad != null) backend.run(copies.routerContextGrad);
        backend.run(secondEncoderGradients.of(digit2.backwardProductsInto(digit1), rule2.backwardProductsInto(rule1)));
        backend.run(firstEncoderGradients.of(digit1.backwardProducts(null, false), rule1.backwardProducts(null, false)));
    }

}
