package modarch.nn;

import modarch.backend.FloatBuf;
import modarch.backend.IntBuf;
import modarch.backend.ops.OneHot;

/** GT-Modular routing: the one-hot rule itself (an oracle; nothing to learn). */
public final class GroundTruthRouter extends AbstractRouter {
    private OneHot oneHot; // the last rules routed into the scores

    public GroundTruthRouter(Workspace ws, int modules, int maxRows) {
        super(ws, modules, maxRows);
    }

    @Override
    public Source source() {
        return Source.RULES;
    }

    @Override
    public boolean needsScoreGradient() {
        return false;
    }

    @Override
    public void forward(int rows, FloatBuf ruleContext, IntBuf rules, FloatBuf moduleLogits) {
        oneHot = OneHot.bind(oneHot, rules, scores, rep * rows, modules);
        backend.run(oneHot);
    }

    @Override
    public void backward(int rows, FloatBuf dScores, FloatBuf dModuleLogits) {
        // the one-hot rule has no parameters upstream
    }
}
