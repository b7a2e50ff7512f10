package modarch.nn;

import java.util.List;

/**
 * Decides how much each of R modules contributes to each example: a score (rep, rows, R) that
 * sums to 1 over modules. The module MLP asks the router for scores and hands back their gradient.
 */
public interface Router {

    /** True when each module scores itself: the module MLP then computes one extra output unit. */
    boolean selfScored();

    /** False for routing that has no parameters upstream (the ground truth). */
    boolean needsScoreGradient();

    /**
     * Fills {@link #scores()} (rep, rows, R). ruleContext (rep, rows, E) is the encoded rule, rules (rep, rows)
     * the rule indices, moduleLogits (rep, rows, R) the modules' own score units (self-scored only).
     */
    void forward(int rows, float[] ruleContext, int[] rules, float[] moduleLogits);

    /**
     * Back-propagates dScores (rep, rows, R): into dModuleLogits (self-scored) or into the router's
     * own parameters and {@link #gradRuleContext()}.
     */
    void backward(int rows, float[] dScores, float[] dModuleLogits);

    /** Gradient of the loss w.r.t. ruleContext from the last backward, (rep, rows, E); null when none. */
    float[] gradRuleContext();

    /** Trainable parameters in the reference's state_dict order. */
    List<Param> params();

    /** The scores of the last forward, (rep, rows, R). */
    float[] scores();
}
