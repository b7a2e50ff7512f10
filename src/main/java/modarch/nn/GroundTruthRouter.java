package modarch.nn;

import java.util.List;
import modarch.backend.Backend;

/** GT-Modular routing: the one-hot rule itself (an oracle; nothing to learn). */
public final class GroundTruthRouter implements Router {
    private final Backend backend;
    private final int rep;
    private final int modules;
    private final float[] scores; // scores is (rep, rows, R)

    public GroundTruthRouter(Backend backend, int rep, int modules, int maxRows) {
        this.backend = backend;
        this.rep = rep;
        this.modules = modules;
        this.scores = new float[rep * maxRows * modules];
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

    @Override
    public float[] gradRuleContext() {
        return null;
    }

    @Override
    public List<Param> params() {
        return List.of();
    }

    @Override
    public float[] scores() {
        return scores;
    }
}
