package modarch.nn;

import modarch.backend.FloatBuf;
import modarch.backend.IntBuf;

/** The reference's Modular "joint" routing: softmax over modules of each module's own score unit. */
public final class SelfScoreRouter extends AbstractRouter {

    public SelfScoreRouter(Workspace ws, int modules, int maxRows) {
        this(ws, modules, maxRows, RouterRegularization.NONE);
    }

    public SelfScoreRouter(Workspace ws, int modules, int maxRows, RouterRegularization regularization) {
        this(ws, modules, maxRows, regularization, 0);
    }

    /** topK: the modules each row keeps, 1..R, or 0 for dense routing. */
    public SelfScoreRouter(Workspace ws, int modules, int maxRows, RouterRegularization regularization, int topK) {
        super(ws, modules, maxRows, regularization, topK);
    }

    @Override
    public Source source() {
        return Source.MODULE_INPUT;
    }

    @Override
    public boolean needsScoreGradient() {
        return true;
    }

    @Override
    public void forward(int rows, FloatBuf ruleContext, IntBuf rules, FloatBuf moduleLogits) {
        softmaxScores(rows, moduleLogits);
    }

    @Override
    public void backward(int rows, FloatBuf dScores, FloatBuf dModuleLogits) {
        softmaxBackward(rows, dScores, dModuleLogits);
        addRegularizerGradient(rows, dModuleLogits);
    }
}
