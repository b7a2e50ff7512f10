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
    private final RouterRegularizers regularizers; // null when not regularised

    AbstractRouter(Workspace ws, int modules, int maxRows) {
        this(ws, modules, maxRows, RouterRegularization.NONE);
    }

    AbstractRouter(Workspace ws, int modules, int maxRows, RouterRegularization regularization) {
        this.backend = ws.backend();
        this.rep = ws.rep();
        this.modules = modules;
        this.scores = ws.floats((long) maxRows * modules);
        this.regularizers = RouterRegularizers.of(ws, modules, maxRows, regularization);
    }

    /** After the forward's softmax of logits (rep, rows, R) into scores: the regularisers' terms and gradient. */
    protected final void regularize(int rows, FloatBuf logits) {
        if (regularizers != null) regularizers.forward(rows, logits, scores);
    }

    /** After the backward's softmax: adds the regularisers' gradient into gradLogits (rep, rows, R). */
    protected final void addRegularizerGradient(int rows, FloatBuf gradLogits) {
        if (regularizers != null) regularizers.addGradient(rows, gradLogits);
    }

    @Override
    public FloatBuf regularizerTerms() {
        return regularizers == null ? null : regularizers.terms();
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
