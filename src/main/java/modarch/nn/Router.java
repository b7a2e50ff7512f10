package modarch.nn;

import java.util.List;
import modarch.backend.FloatBuf;
import modarch.backend.IntBuf;
import modarch.task.FastRandom;

/**
 * Decides how much each of R modules contributes to each example: a score (rep, rows, R) that
 * sums to 1 over modules. The module MLP asks the router for scores and hands back their gradient.
 */
public interface Router {

    /** What a router's scores are computed from, so a routing-only pass computes nothing else. */
    enum Source {
        /** The modules' own score units, read from the module input (Modular). */
        MODULE_INPUT,
        /** The encoded rule (Modular-op). */
        RULE_CONTEXT,
        /** The rule indices alone (GT-Modular). */
        RULES
    }

    Source source();

    /** Initialises the router's own parameters (if any) in one replica's host values. */
    void init(float[] replicaValues, FastRandom rng);

    /**
     * Fills {@link #scores()} (rep, rows, R). ruleContext (rep, rows, E) is the encoded rule, rules (rep, rows)
     * the rule indices, moduleLogits (rep, rows, R) the modules' own score units (MODULE_INPUT only).
     */
    void forward(int rows, FloatBuf ruleContext, IntBuf rules, FloatBuf moduleLogits);

    /** False for routing that has no parameters upstream (the ground truth). */
    boolean needsScoreGradient();

    /**
     * Back-propagates dScores (rep, rows, R): into dModuleLogits (MODULE_INPUT) or into the router's
     * own parameters and {@link #gradRuleContext()}.
     */
    void backward(int rows, FloatBuf dScores, FloatBuf dModuleLogits);

    /** Gradient of the loss w.r.t. ruleContext from the last backward, (rep, rows, E); null when none. */
    FloatBuf gradRuleContext();

    /** Trainable parameters in the reference's state_dict order. */
    List<Param> params();

    /** The scores of the last forward, (rep, rows, R). */
    FloatBuf scores();

    /** The modules each row keeps (top-k routing), 0 when every module is computed (dense routing). */
    int topK();

    /** The modules each row kept in the last forward, (rep, rows, k), increasing per row; null when dense. */
    IntBuf chosen();

    /**
     * The routing regularisers' unweighted terms of the last forward, (rep, 3): load balance, router z-loss, mutual
     * information; null when the router is not regularised.
     */
    FloatBuf regularizerTerms();
}
