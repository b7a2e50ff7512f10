package modarch.nn;

import java.util.ArrayList;
import java.util.List;
import modarch.backend.FloatBuf;
import modarch.backend.IntBuf;
import modarch.task.FastRandom;

/**
 * The reference's Modular-op routing: softmax of a scorer that sees only the rule context. In the MLP setting the
 * scorer is Linear(E, R) named "scorer" on the encoded rule; in the MHA setting it is Linear(R, hidden) - ReLU -
 * Linear(hidden, R) named prefix.0 and prefix.2 on the one-hot rule, which has nothing upstream to train; in the RNN
 * setting the same without biases.
 */
public final class OpRouter extends AbstractRouter {
    private final List<Linear> scorer;   // (rep, rows, context) -> [(rep, rows, hidden), ReLU ->] (rep, rows, R)
    private final FloatBuf gradContext;  // gradContext is (rep, rows, context); null when the context has no gradient

    /**
     * hidden 0: one Linear named prefix; otherwise two, prefix.0 (ReLU) and prefix.2. contextGradient: whether
     * {@link #gradRuleContext()} is computed (false for a one-hot context). hasBias: whether the Linears have biases.
     */
    public OpRouter(Workspace ws, String prefix, int contextDim, int hidden, int modules, int maxRows,
                    boolean contextGradient, boolean hasBias) {
        this(ws, prefix, contextDim, hidden, modules, maxRows, contextGradient, hasBias, RouterRegularization.NONE);
    }

    /** As above, with the routing regularisers on the scorer's logits. */
    public OpRouter(Workspace ws, String prefix, int contextDim, int hidden, int modules, int maxRows,
                    boolean contextGradient, boolean hasBias, RouterRegularization regularization) {
        this(ws, prefix, contextDim, hidden, modules, maxRows, contextGradient, hasBias, regularization, 0);
    }

    /** As above, routing to each row's topK modules (1..R; 0 for dense routing). */
    public OpRouter(Workspace ws, String prefix, int contextDim, int hidden, int modules, int maxRows,
                    boolean contextGradient, boolean hasBias, RouterRegularization regularization, int topK) {
        super(ws, modules, maxRows, regularization, topK);
        this.scorer = hidden == 0
                ? List.of(new Linear(ws, prefix, contextDim, modules, maxRows, false, hasBias))
                : List.of(new Linear(ws, prefix + ".0", contextDim, hidden, maxRows, true, hasBias),
                        new Linear(ws, prefix + ".2", hidden, modules, maxRows, false, hasBias));
        this.gradContext = contextGradient ? ws.floats((long) maxRows * contextDim) : null;
    }

    @Override
    public void init(float[] replicaValues, FastRandom rng) {
        for (Linear layer : scorer) layer.init(replicaValues, rng);
    }

    @Override
    public Source source() {
        return Source.RULE_CONTEXT;
    }

    @Override
    public boolean needsScoreGradient() {
        return true;
    }

    @Override
    public void forward(int rows, FloatBuf ruleContext, IntBuf rules, FloatBuf moduleLogits) {
        FloatBuf x = ruleContext;
        for (Linear layer : scorer) {
            layer.forward(x, rows);
            x = layer.output();
        }
        softmaxScores(rows, x);
    }

    @Override
    public void backward(int rows, FloatBuf dScores, FloatBuf dModuleLogits) {
        int last = scorer.size() - 1;
        softmaxBackward(rows, dScores, scorer.get(last).gradOutput());
        addRegularizerGradient(rows, scorer.get(last).gradOutput());
        for (int i = last; i > 0; i--) scorer.get(i).backwardInto(scorer.get(i - 1));
        scorer.get(0).backward(gradContext, false);
    }

    @Override
    public FloatBuf gradRuleContext() {
        return gradContext;
    }

    @Override
    public List<Param> params() {
        List<Param> params = new ArrayList<>();
        for (Linear layer : scorer) params.addAll(layer.params());
        return params;
    }
}
