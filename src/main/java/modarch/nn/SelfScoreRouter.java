package modarch.nn;

import java.util.List;
import modarch.backend.Backend;

/** The reference's Modular "joint" routing: softmax over modules of each module's own score unit. */
public final class SelfScoreRouter implements Router {
    private final Backend backend;
    private final int rep;
    private final int modules;
    private final float[] scores; // scores is (rep, rows, R)

    public SelfScoreRouter(Backend backend, int rep, int modules, int maxRows) {
        this.backend = backend;
        this.rep = rep;
        this.modules = modules;
        this.scores = new float[rep * maxRows * modules];
    }

    @Override
    public boolean selfScored() {
        return true;
    }

    @Override
    public boolean needsScoreGradient() {
        return true;
    }

    @Override
    public void forward(int rows, float[] ruleContext, int[] rules, float[] moduleLogits) {
        backend.softmaxRows(rep * rows, modules, moduleLogits, 0, scores, 0);
    }

    @Override
    public void backward(int rows, float[] dScores, float[] dModuleLogits) {
        backend.softmaxRowsBackward(rep * rows, modules, scores, 0, dScores, 0, dModuleLogits, 0);
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
