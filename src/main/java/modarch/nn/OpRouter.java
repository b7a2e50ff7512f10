package modarch.nn;

import java.util.List;
import modarch.backend.Backend;
import modarch.task.FastRandom;

/** The reference's Modular-op routing: softmax of a scorer Linear(E, R) that sees only the encoded rule. */
public final class OpRouter extends AbstractRouter {
    private final Linear scorer;       // scorer: (rep, rows, E) -> (rep, rows, R), named "scorer"
    private final float[] gradContext; // gradContext is (rep, rows, E)

    public OpRouter(Backend backend, int rep, int contextDim, int modules, int maxRows) {
        super(backend, rep, modules, maxRows);
        this.scorer = new Linear(backend, "scorer", rep, contextDim, modules, maxRows, false);
        this.gradContext = new float[rep * maxRows * contextDim];
    }

    public void init(int r, FastRandom rng) {
        scorer.init(r, rng);
    }

    @Override
    public boolean selfScored() {
        return false;
    }

    @Override
    public boolean needsScoreGradient() {
        return true;
    }

    @Override
    public void forward(int rows, float[] ruleContext, int[] rules, float[] moduleLogits) {
        scorer.forward(ruleContext, rows);
        backend.softmaxRows(rep * rows, modules, scorer.output(), 0, scores, 0);
    }

    @Override
    public void backward(int rows, float[] dScores, float[] dModuleLogits) {
        backend.softmaxRowsBackward(rep * rows, modules, scores, 0, dScores, 0, scorer.gradOutput(), 0);
        scorer.backward(gradContext, false);
    }

    @Override
    public float[] gradRuleContext() {
        return gradContext;
    }

    @Override
    public List<Param> params() {
        return scorer.params();
    }
}
