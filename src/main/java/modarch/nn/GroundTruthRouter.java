package modarch.nn;

import modarch.backend.Backend;

/** GT-Modular routing: the one-hot rule itself (an oracle; nothing to learn). */
public final class GroundTruthRouter extends AbstractRouter {

    public GroundTruthRouter(Backend backend, int rep, int modules, int maxRows) {
        super(backend, rep, modules, maxRows);
    }

    @Override
    public boolean selfScored() {
        return false;
    }

    @Override
    public boolean needsScoreGradient() {
        return false;
    }

    @Override
    public void forward(int rows, float[] ruleContext, int[] rules, float[] moduleLogits) {
        backend.oneHot(rep * rows, modules, rules, 0, scores, 0);
    }

    @Override
    public void backward(int rows, float[] dScores, float[] dModuleLogits) {
        // the one-hot rule has no parameters upstream
    }
}
