package modarch.nn;

import java.util.List;
import modarch.backend.Backend;
import modarch.backend.FloatBuf;
import modarch.backend.IntBuf;
import modarch.backend.ops.RoutingTopK;
import modarch.backend.ops.SoftmaxRows;
import modarch.backend.ops.SoftmaxRowsBackward;
import modarch.task.FastRandom;

/**
 * What every router holds: its scores (rep, rows, R); by default no parameters and no context gradient. A learned
 * router may be regularised: its forward then computes the regularisers' terms (rep, 3) and their gradient with
 * respect to its logits, which its backward adds after the softmax's. It may route to its top k modules: its scores
 * are then the softmax renormalised over each row's k highest probabilities, 0 elsewhere, and the softmax's backward
 * on those scores is the exact gradient of the renormalised softmax (0 at the modules left out); the regularisers
 * see the full softmax.
 */
abstract class AbstractRouter implements Router {
    protected final Backend backend;
    protected final int rep;
    protected final int modules;
    protected final FloatBuf scores; // scores is (rep, rows, R)
    private final RouterRegularizers regularizers; // null when not regularised
    private final int topK;              // k, 0 for dense routing
    private final FloatBuf probs;        // probs is (rep, rows, R): the full softmax; scores itself when dense
    private final IntBuf chosen;         // chosen is (rep, rows, k): each row's modules, increasing; null when dense
    private RoutingTopK routing;         // the top-k selection of the last rows routed
    private SoftmaxRows softmax;         // the softmax of the last logits routed
    private SoftmaxRowsBackward softmaxBackward; // its backward, of the last gradients given

    AbstractRouter(Workspace ws, int modules, int maxRows) {
        this(ws, modules, maxRows, RouterRegularization.NONE, 0);
    }

    /** topK: the modules each row keeps, 1..R, or 0 for dense routing. */
    AbstractRouter(Workspace ws, int modules, int maxRows, RouterRegularization regularization, int topK) {
        if (topK < 0 || topK > modules) {
            throw new IllegalArgumentException("top-" + topK + " routing of " + modules + " modules");
        }
        this.backend = ws.backend();
        this.rep = ws.rep();
        this.modules = modules;
        this.scores = ws.floats((long) maxRows * modules);
        this.regularizers = RouterRegularizers.of(ws, modules, maxRows, regularization);
        this.topK = topK;
        this.probs = topK == 0 ? scores : ws.floats((long) maxRows * modules);
        this.chosen = topK == 0 ? null : ws.ints((long) maxRows * topK);
    }

    /**
     * The forward's end: the softmax of logits (rep, rows, R), the regularisers' terms and gradient on it, then the
     * scores: the softmax itself, or its top k renormalised.
     */
    protected final void softmaxScores(int rows, FloatBuf logits) {
        softmax = SoftmaxRows.bind(softmax, logits, probs, rep * rows, modules);
        backend.run(softmax);
        if (regularizers != null) regularizers.forward(rows, logits, probs);
        if (topK == 0) return;
        if (routing == null || routing.rows() != rep * rows) {
            routing = null;
            routing = new RoutingTopK(rep * rows, modules, topK, probs, scores, chosen);
        }
        backend.run(routing);
    }

    /** The softmax's backward: gradLogits (rep, rows, R) from the scores' gradient gradScores (rep, rows, R). */
    protected final void softmaxBackward(int rows, FloatBuf gradScores, FloatBuf gradLogits) {
        softmaxBackward = SoftmaxRowsBackward.bind(softmaxBackward, scores, gradScores, gradLogits, rep * rows,
                modules);
        backend.run(softmaxBackward);
    }

    /** After the backward's softmax: adds the regularisers' gradient into gradLogits (rep, rows, R). */
    protected final void addRegularizerGradient(int rows, FloatBuf gradLogits) {
        if (regularizers != null) regularizers.addGradient(rows, gradLogits);
    }

    @Override
    public int topK() {
        return topK;
    }

    @Override
    public IntBuf chosen() {
        return chosen;
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
