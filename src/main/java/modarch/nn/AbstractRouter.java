package modarch.nn;

import java.util.List;
import modarch.backend.Backend;
import modarch.backend.FloatBuf;
import modarch.task.FastRandom;

/**
 * What every router holds: its scores (rep, rows, R); by default no parameters and no context gradient. A learned
 * router may be regularised: its forward then computes the regularisers' terms (rep, 3) and their gradient with
 * respect to its logits, which its backward adds after the softmax's.
 */
abstract class AbstractRouter implements Router {
    protected final Backend backend;
    protected final int rep;
    protected final int modules;
    protected final FloatBuf scores; // scores is (rep, rows, R)
    private final RouterRegularization regularization;
    private final FloatBuf terms;        // terms is (rep, 3); null when not regularised
    private final FloatBuf gradRegular;  // gradRegular is (rep, rows, R): the terms' gradient w.r.t. the logits

    AbstractRouter(Workspace ws, int modules, int maxRows) {
        this(ws, modules, maxRows, RouterRegularization.NONE);
    }

    AbstractRouter(Workspace ws, int modules, int maxRows, RouterRegularization regularization) {
        this.backend = ws.backend();
        this.rep = ws.rep();
        this.modules = modules;
        this.scores = ws.floats((long) maxRows * modules);
        this.regularization = regularization;
        this.terms = regularization.active() ? ws.floats(3) : null;
        this.gradRegular = regularization.active() ? ws.floats((long) maxRows * modules) : null;
    }

    /** After the forward's softmax of logits (rep, rows, R) into scores: the regularisers' terms and gradient. */
    protected final void regularize(int rows, FloatBuf logits) {
        if (terms == null) return;
        backend.fill(rep * rows * modules, 0f, gradRegular, 0);
        backend.routerRegularizers(rep, rows, modules, logits, scores, (float) regularization.loadBalance(),
                (float) regularization.zLoss(), (float) regularization.miLoss(), terms, gradRegular);
    }

    /** After the backward's softmax: adds the regularisers' gradient into gradLogits (rep, rows, R). */
    protected final void addRegularizerGradient(int rows, FloatBuf gradLogits) {
        if (terms == null) return;
        backend.addInto(1, 1, rep * rows * modules, gradRegular, 0, 0, 0, gradLogits, 0, 0, 0);
    }

    @Override
    public FloatBuf regularizerTerms() {
        return terms;
    }

    @Override
    public void init(float[] replicaValues, FastRandom rng) {
        // no parameters
    }

    @Override
    public FloatBuf gradRuleContext() {
        return null;
    }

    @Override
    public List<Param> params() {
        return List.of();
    }

    @Override
    public FloatBuf scores() {
        return scores;
    }
}
