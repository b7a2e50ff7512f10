package modarch.nn;

import java.util.List;
import modarch.backend.FloatBuf;
import modarch.backend.IntBuf;
import modarch.task.FastRandom;

/**
 * The middle of a model, between its encoders and its decoder: a dense network (Monolithic) or routed
 * modules. x is (rep, rows, in), the output (rep, rows, D).
 */
public interface Core {

    /** Initialises the core's parameters in one replica's host values, drawing from rng in the reference's order. */
    void init(float[] replicaValues, FastRandom rng);

    /** ruleContext (rep, rows, E) and rules (rep, rows) feed a router; a dense core ignores them. */
    void forward(FloatBuf x, FloatBuf ruleContext, IntBuf rules, int rows);

    /** Back-propagates {@link #gradOutput()}; writes the input gradient (rep, rows, in) into gradInput. */
    void backward(FloatBuf gradInput);

    FloatBuf output();

    FloatBuf gradOutput();

    /** Gradient w.r.t. the rule context from the last backward, (rep, rows, E); null when the core has none. */
    FloatBuf gradRuleContext();

    /** Parameters in the reference's state_dict order. */
    List<Param> params();
}
