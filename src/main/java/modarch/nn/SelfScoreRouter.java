package modarch.nn;

import modarch.backend.Backend;

/** The reference's Modular "joint" routing: softmax over modules of each module's own score unit. */
public final class SelfScoreRouter extends AbstractRouter {

    public SelfScoreRouter(Backend backend, int rep, int modules, int maxRows) {
        super(backend, rep, modules, maxRows);
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
}
