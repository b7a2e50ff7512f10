package modarch.model;

import java.util.ArrayList;
import java.util.List;
import modarch.backend.Backend;
import modarch.nn.GroundTruthRouter;
import modarch.nn.Linear;
import modarch.nn.ModuleMlp;
import modarch.nn.OpRouter;
import modarch.nn.Param;
import modarch.nn.Router;
import modarch.nn.SelfScoreRouter;
import modarch.task.FastRandom;

/**
 * The MLP-setting models of the reference (MLP/*&#47;model.py): a digit encoder shared by a and b,
 * a rule encoder on the one-hot rule, a core (dense for Monolithic, routed modules otherwise),
 * and a decoder to one output. Parameter names and shapes are the reference's state_dict.
 */
public final class MlpModel {
    private final Backend backend;
    private final int rep;
    private final int rules;
    private final int encDim;
    private final int dim;
    private final Linear digit1;   // encoder_digit.0: (rep, 2 rows, 1) -> (rep, 2 rows, E), ReLU
    private final Linear digit2;   // encoder_digit.2: (rep, 2 rows, E) -> (rep, 2 rows, E); rows of a, then of b
    private final Linear rule1;    // encoder_operation.0: (rep, rows, R) one-hot -> (rep, rows, E), ReLU
    private final Linear rule2;    // encoder_operation.2: (rep, rows, E) -> (rep, rows, E)
    private final Linear dense1;   // Monolithic MLP.0: (rep, rows, 3E) -> (rep, rows, D), ReLU
    private final Linear dense2;   // Monolithic MLP.2: (rep, rows, D) -> (rep, rows, D)
    private final ModuleMlp modules; // routed kinds: (rep, rows, 3E) -> (rep, rows, D)
    private final Linear decoder1; // decoder.0: (rep, rows, D) -> (rep, rows, E), ReLU
    private final Linear decoder2; // decoder.2: (rep, rows, E) -> (rep, rows, 1)
    private final float[] digits;      // digits is (rep, 2 rows, 1)
    private final float[] oneHot;      // oneHot is (rep, rows, R)
    private final float[] joined;      // joined is (rep, rows, 3E): [enc(a), enc(b), enc(rule)]
    private final float[] gradJoined;  // (rep, rows, 3E)
    private final List<Param> params;
    private int rows;

    public MlpModel(Backend backend, ModelKind kind, int rep, int rules, int encDim, int dim, int maxRows) {
        this.backend = backend;
        this.rep = rep;
        this.rules = rules;
        this.encDim = encDim;
        this.dim = dim;
        digit1 = new Linear(backend, "encoder_digit.0", rep, 1, encDim, 2 * maxRows, true);
        digit2 = new Linear(backend, "encoder_digit.2", rep, encDim, encDim, 2 * maxRows, false);
        rule1 = new Linear(backend, "encoder_operation.0", rep, rules, encDim, maxRows, true);
        rule2 = new Linear(backend, "encoder_operation.2", rep, encDim, encDim, maxRows, false);
        if (kind == ModelKind.MONOLITHIC) {
            dense1 = new Linear(backend, "MLP.0", rep, 3 * encDim, dim, maxRows, true);
            dense2 = new Linear(backend, "MLP.2", rep, dim, dim, maxRows, false);
            modules = null;
        } else {
            dense1 = null;
            dense2 = null;
            modules = new ModuleMlp(backend, rep, rules, 3 * encDim, dim, maxRows, router(backend, kind, rep, rules, encDim, maxRows));
        }
        decoder1 = new Linear(backend, "decoder.0", rep, dim, encDim, maxRows, true);
        decoder2 = new Linear(backend, "decoder.2", rep, encDim, 1, maxRows, false);
        digits = new float[rep * 2 * maxRows];
        oneHot = new float[rep * maxRows * rules];
        joined = new float[rep * maxRows * 3 * encDim];
        gradJoined = new float[joined.length];
        params = collectParams();
    }

    private static Router router(Backend backend, ModelKind kind, int rep, int rules, int encDim, int maxRows) {
        switch (kind) {
            case MODULAR:
                return new SelfScoreRouter(backend, rep, rules, maxRows);
            case MODULAR_OP:
                return new OpRouter(backend, rep, encDim, rules, maxRows);
            case GT_MODULAR:
                return new GroundTruthRouter(backend, rep, rules, maxRows);
            default:
                throw new IllegalArgumentException("no router for " + kind);
        }
    }

    private List<Param> collectParams() {
        List<Param> all = new ArrayList<>();
        all.addAll(digit1.params());
        all.addAll(digit2.params());
        all.addAll(rule1.params());
        all.addAll(rule2.params());
        if (modules == null) {
            all.addAll(dense1.params());
            all.addAll(dense2.params());
        } else {
            all.addAll(modules.params());
        }
        all.addAll(decoder1.params());
        all.addAll(decoder2.params());
        return List.copyOf(all);
    }

    /** PyTorch-default initialisation of replica r from its own seed. */
    public void init(int r, long seed) {
        FastRandom rng = new FastRandom(seed);
        digit1.init(r, rng);
        digit2.init(r, rng);
        rule1.init(r, rng);
        rule2.init(r, rng);
        if (modules == null) {
            dense1.init(r, rng);
            dense2.init(r, rng);
        } else {
            modules.init(r, rng);
            if (modules.router() instanceof OpRouter) ((OpRouter) modules.router()).init(r, rng);
        }
        decoder1.init(r, rng);
        decoder2.init(r, rng);
    }

    /** a and b are (rep, rows), ruleIndex (rep, rows); predictions land in {@link #predictions()}. */
    public void forward(float[] a, float[] b, int[] ruleIndex, int rows) {
        encode(a, b, ruleIndex, rows);
        float[] core;
        if (modules == null) {
            dense1.forward(joined, rows);
            dense2.forward(dense1.output(), rows);
            core = dense2.output();
        } else {
            modules.forward(joined, rule2.output(), ruleIndex, rows);
            core = modules.output();
        }
        decoder1.forward(core, rows);
        decoder2.forward(decoder1.output(), rows);
    }

    /**
     * Computes only the routing scores ({@link #scores()}) of a routed model, skipping what they do
     * not depend on: the module outputs and the decoder always, the encoders for GT-Modular, the
     * digit encoder for Modular-op.
     */
    public void forwardScores(float[] a, float[] b, int[] ruleIndex, int rows) {
        if (modules == null) throw new IllegalStateException("a Monolithic model has no routing scores");
        Router router = modules.router();
        if (router.selfScored()) {
            encode(a, b, ruleIndex, rows);
        } else if (router instanceof OpRouter) {
            encodeRule(ruleIndex, rows);
        }
        modules.route(joined, rule2.output(), ruleIndex, rows);
    }

    private void encodeRule(int[] ruleIndex, int rows) {
        this.rows = rows;
        backend.oneHot(rep * rows, rules, ruleIndex, 0, oneHot, 0);
        rule1.forward(oneHot, rows);
        rule2.forward(rule1.output(), rows);
    }

    /** Fills joined (rep, rows, 3E) = [enc(a), enc(b), enc(rule)]. */
    private void encode(float[] a, float[] b, int[] ruleIndex, int rows) {
        encodeRule(ruleIndex, rows);
        int e = encDim;
        for (int r = 0; r < rep; r++) {
            backend.copy(1, rows, a, r * rows, 0, digits, r * 2 * rows, 0);
            backend.copy(1, rows, b, r * rows, 0, digits, r * 2 * rows + rows, 0);
        }
        digit1.forward(digits, 2 * rows);
        digit2.forward(digit1.output(), 2 * rows);
        for (int r = 0; r < rep; r++) {
            int digitOff = r * 2 * rows * e;
            int joinedOff = r * rows * 3 * e;
            backend.copy(rows, e, digit2.output(), digitOff, e, joined, joinedOff, 3 * e);
            backend.copy(rows, e, digit2.output(), digitOff + rows * e, e, joined, joinedOff + e, 3 * e);
            backend.copy(rows, e, rule2.output(), r * rows * e, e, joined, joinedOff + 2 * e, 3 * e);
        }
    }

    /** Back-propagates {@link #gradPredictions()} into every parameter's gradient (accumulating). */
    public void backward() {
        int e = encDim;
        decoder2.backward(decoder1.gradOutput(), false);
        if (modules == null) {
            decoder1.backward(dense2.gradOutput(), false);
            dense2.backward(dense1.gradOutput(), false);
            dense1.backward(gradJoined, false);
        } else {
            decoder1.backward(modules.gradOutput(), false);
            modules.backward(gradJoined);
        }
        for (int r = 0; r < rep; r++) {
            int digitOff = r * 2 * rows * e;
            int joinedOff = r * rows * 3 * e;
            backend.copy(rows, e, gradJoined, joinedOff, 3 * e, digit2.gradOutput(), digitOff, e);
            backend.copy(rows, e, gradJoined, joinedOff + e, 3 * e, digit2.gradOutput(), digitOff + rows * e, e);
            backend.copy(rows, e, gradJoined, joinedOff + 2 * e, 3 * e, rule2.gradOutput(), r * rows * e, e);
        }
        float[] routerContextGrad = modules == null ? null : modules.router().gradRuleContext();
        if (routerContextGrad != null) {
            backend.addInto(1, rep * rows * e, routerContextGrad, 0, 0, rule2.gradOutput(), 0, 0);
        }
        digit2.backward(digit1.gradOutput(), false);
        digit1.backward(null, false);
        rule2.backward(rule1.gradOutput(), false);
        rule1.backward(null, false);
    }

    /** (rep, rows) outputs of the last forward (logits for classification). */
    public float[] predictions() {
        return decoder2.output();
    }

    /** Where the loss writes its gradient before {@link #backward()}: (rep, rows). */
    public float[] gradPredictions() {
        return decoder2.gradOutput();
    }

    /** Routing scores (rep, rows, R) of the last forward; null for Monolithic. */
    public float[] scores() {
        return modules == null ? null : modules.router().scores();
    }

    /** All parameters in the reference's state_dict order. */
    public List<Param> params() {
        return params;
    }

    /** Trainable parameters of one replica, as the reference counts them. */
    public long parameterCount() {
        long n = 0;
        for (Param p : params) n += p.size();
        return n;
    }

    public void zeroGrad() {
        for (Param p : params) p.zeroGrad();
    }

    public int rep() {
        return rep;
    }

    public int rules() {
        return rules;
    }
}
