package modarch.nn;

import modarch.backend.FloatBuf;
import modarch.backend.IntBuf;

/** GT-Modular routing: the one-hot rule itself (an oracle; nothing to learn). */
public final class GroundTruthRouter extends AbstractRouter {

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
        backend.oneHot(rep * rows, modules, rules, 0, scores, 0);
    }

    @Override
    public void backward(int rows, FloatBuf dScores, FloatBuf dModuleLogits) {
        // the one-hot rule has no parameters upstream
    }
}
