package modarch.nn;

import java.util.List;
import modarch.backend.FloatBuf;
import modarch.backend.IntBuf;
import modarch.task.FastRandom;

/** The reference's Modular-op routing: softmax of a scorer Linear(E, R) that sees only the encoded rule. */
public final class OpRouter extends AbstractRouter {
    private final Linear scorer;          // scorer: (rep, rows, E) -> (rep, rows, R), named "scorer"
    private final FloatBuf gradContext;   // gradContext is (rep, rows, E)

    public OpRouter(Workspace ws, int contextDim, int modules, int maxRows) {
        super(ws, modules, maxRows);
        this.scorer = new Linear(ws, "scorer", contextDim, modules, maxRows, false);
        this.gradContext = ws.floats((long) maxRows * contextDim);
    }

    @Override
    public void init(float[] replicaValues, FastRandom rng) {
        scorer.init(replicaValues, rng);
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
        scorer.forward(ruleContext, rows);
        backend.softmaxRows(rep * rows, modules, scorer.output(), 0, scores, 0);
    }

    @Override
    public void backward(int rows, FloatBuf dScores, FloatBuf dModuleLogits) {
        backend.softmaxRowsBackward(rep * rows, modules, scores, 0, dScores, 0, scorer.gradOutput(), 0);
        scorer.backward(gradContext, false);
    }

    @Override
    public FloatBuf gradRuleContext() {
        return gradContext;
    }

    @Override
    public List<Param> params() {
        return scorer.params();
    }
}
